import type { OperationContext } from '@conduit/connectors';
import { connectorsLib } from '../connectors-lib';
import { z } from 'zod';
import { defineExecutor, TaskFailure } from '../executor';
import { renderedSpec } from './spec-expressions';

const Payload = z.object({
  executionId: z.string(),
  stage: z.string(),
  service: z.string().min(1),
  /** The service's manifests, inline YAML (checked when the pipeline was saved). */
  manifests: z.string().max(65_536).optional(),
  environment: z.object({ name: z.string().min(1), deployTo: z.string().min(1) }),
  cluster: z.object({ type: z.literal('K8sCluster'), spec: z.record(z.string(), z.unknown()) }),
});

/** Kubernetes names: lower-case alphanumerics and '-', at most 63 characters. */
const dnsLabel = (text: string) => text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'x';

type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace: string } };

/**
 * The service's manifests as objects, each in the environment's namespace unless it names its own. The YAML
 * parser loads with the first deploy that has manifests (≈ 8 MiB an idle delegate does not need).
 */
async function manifestObjects(text: string, namespace: string): Promise<KubeObject[]> {
  const { parseAllDocuments } = await import('yaml');
  return parseAllDocuments(text).flatMap((document) => {
    const object = document.toJS() as KubeObject | null;
    if (!object) return [];
    return [{ ...object, metadata: { ...object.metadata, namespace: object.metadata.namespace ?? namespace } }];
  });
}

/**
 * A deploy stage: server-side apply (field manager `conduit`) of the service's own manifests, when the
 * pipeline gives them, then of its release record, to the cluster behind the stage's connector, in the
 * environment's namespace. The record (a ConfigMap) names the service, environment, target, execution and
 * what was applied.
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
      const applied: Array<{ kind: string; namespace: string; name: string; resourceVersion: string | null }> = [];
      const apply = async (object: KubeObject) => {
        const answer = await applyObject(ctx, client, object);
        applied.push({ kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name, resourceVersion: (answer['metadata'] as { resourceVersion?: string } | undefined)?.resourceVersion ?? null });
        log('stdout', `applied ${object.kind} ${object.metadata.namespace}/${object.metadata.name}\n`);
      };
      progress('connection', 'started', `applying to namespace ${namespace}`);
      for (const object of payload.manifests ? await manifestObjects(payload.manifests, namespace) : []) await apply(object);
      await apply({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace, labels: { 'app.kubernetes.io/name': dnsLabel(payload.service), 'app.kubernetes.io/managed-by': 'conduit' } } as { name: string; namespace: string },
        data: {
          service: payload.service,
          environment: payload.environment.name,
          deployTo: payload.environment.deployTo,
          execution: payload.executionId,
          manifests: applied.map((a) => `${a.kind}/${a.namespace}/${a.name}`).join('\n'),
          deployedAt: new Date().toISOString(),
        },
      } as KubeObject);
      progress('connection', 'succeeded');
      log('stdout', `service ${payload.service} → ${payload.environment.name}/${payload.environment.deployTo}: ${applied.length} object(s) applied\n`);
      return { output: { applied } };
    } catch (error) {
      if (error instanceof ConnectorCheckError) throw new TaskFailure(error.code, error.message, { stage: error.stage, ...(error.hint ? { hint: error.hint } : {}) });
      throw error;
    }
  },
});
