import type { OperationContext } from '@conduit/connectors';
import { connectorsLib } from '../connectors-lib';
import { z } from 'zod';
import { defineExecutor, TaskFailure } from '../executor';
import { renderedSpec } from './spec-expressions';

const Payload = z.object({
  executionId: z.string(),
  stage: z.string(),
  service: z.string().min(1),
  environment: z.object({ name: z.string().min(1), deployTo: z.string().min(1) }),
  cluster: z.object({ type: z.literal('K8sCluster'), spec: z.record(z.string(), z.unknown()) }),
});

/** Kubernetes names: lower-case alphanumerics and '-', at most 63 characters. */
const dnsLabel = (text: string) => text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'x';

/**
 * A deploy stage: server-side apply of the service's release record to the cluster behind the stage's
 * connector, in the environment's namespace. The record (a ConfigMap owned by the `conduit` field
 * manager) names the service, environment, target and execution; applying the service's own workload
 * manifests needs a service model Conduit does not have yet.
 */
export const pipelineDeployExecutor = defineExecutor({
  payload: Payload,
  async run({ payload, secrets, signal, log, progress }) {
    const { applyObject, ConnectorCheckError, kubernetesClient } = await connectorsLib();
    const ctx: OperationContext = { spec: await renderedSpec(payload.cluster.spec, secrets), secrets, signal, log: (t) => log('system', t), stage: (_s, run) => run() };
    try {
      progress('authentication', 'started');
      const client = await kubernetesClient(ctx);
      progress('authentication', 'succeeded');
      const namespace = dnsLabel(payload.environment.name);
      const name = `conduit-release-${dnsLabel(payload.service)}`.slice(0, 63);
      progress('connection', 'started', `applying ${namespace}/${name}`);
      const applied = await applyObject(ctx, client, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace, labels: { 'app.kubernetes.io/name': dnsLabel(payload.service), 'app.kubernetes.io/managed-by': 'conduit' } } as { name: string; namespace: string },
        data: { service: payload.service, environment: payload.environment.name, deployTo: payload.environment.deployTo, execution: payload.executionId, deployedAt: new Date().toISOString() },
      } as Parameters<typeof applyObject>[2]);
      progress('connection', 'succeeded');
      log('stdout', `applied ConfigMap ${namespace}/${name} (service ${payload.service} → ${payload.environment.name}/${payload.environment.deployTo})\n`);
      return { output: { applied: [{ kind: 'ConfigMap', namespace, name, resourceVersion: (applied['metadata'] as { resourceVersion?: string } | undefined)?.resourceVersion ?? null }] } };
    } catch (error) {
      if (error instanceof ConnectorCheckError) throw new TaskFailure(error.code, error.message, { stage: error.stage, ...(error.hint ? { hint: error.hint } : {}) });
      throw error;
    }
  },
});
