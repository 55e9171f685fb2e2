import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConnectorCheckError, ConnectorOperations, OperationContext, secretText } from './context';
import { authenticationError, describeUrl, HttpCall, httpCall } from './http-client';
import { basicAuthorization, usernameOf } from './http-auth';

type Spec = Record<string, unknown>;

export interface KubernetesClient {
  base: string;
  headers: Record<string, string>;
  tls?: HttpCall['tls'];
}

const IN_CLUSTER = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How to reach the API server of a K8sCluster connector: its manual config, or the delegate's own pod. */
export async function kubernetesClient(ctx: OperationContext): Promise<KubernetesClient> {
  const credential = ctx.spec['credential'] as Spec;
  if (credential['type'] === 'InheritFromDelegate') {
    const host = process.env['KUBERNETES_SERVICE_HOST'];
    if (!host) throw new ConnectorCheckError('NOT_IN_CLUSTER', 'authentication', 'InheritFromDelegate needs a delegate running inside the cluster (no KUBERNETES_SERVICE_HOST)');
    const [token, ca] = await Promise.all([readFile(`${IN_CLUSTER}/token`, 'utf8'), readFile(`${IN_CLUSTER}/ca.crt`, 'utf8')]);
    return { base: `https://${host}:${process.env['KUBERNETES_SERVICE_PORT'] ?? '443'}`, headers: { authorization: `Bearer ${token.trim()}` }, tls: { ca } };
  }
  const spec = credential['spec'] as Spec;
  const auth = spec['auth'] as Spec;
  const authSpec = auth['spec'] as Spec;
  const base = (spec['masterUrl'] as string).replace(/\/+$/, '');
  const ca = authSpec['caCertRef'] ? secretText(ctx, authSpec['caCertRef'] as string, 'spec.credential.spec.auth.spec.caCertRef') : undefined;
  switch (auth['type']) {
    case 'ServiceAccount':
      return { base, headers: { authorization: `Bearer ${secretText(ctx, authSpec['serviceAccountTokenRef'] as string, 'spec.credential.spec.auth.spec.serviceAccountTokenRef')}` }, ...(ca ? { tls: { ca } } : {}) };
    case 'UsernamePassword':
      return {
        base,
        headers: { authorization: basicAuthorization(usernameOf(ctx, authSpec, 'spec.credential.spec.auth.spec'), secretText(ctx, authSpec['passwordRef'] as string, 'spec.credential.spec.auth.spec.passwordRef')) },
        ...(ca ? { tls: { ca } } : {}),
      };
    case 'ClientKeyCert':
      return {
        base,
        headers: {},
        tls: {
          cert: secretText(ctx, authSpec['clientCertRef'] as string, 'spec.credential.spec.auth.spec.clientCertRef'),
          key: secretText(ctx, authSpec['clientKeyRef'] as string, 'spec.credential.spec.auth.spec.clientKeyRef'),
          ...(ca ? { ca } : {}),
        },
      };
    default:
      throw new ConnectorCheckError('UNSUPPORTED_AUTH', 'authentication', `spec.credential.spec.auth.type: '${String(auth['type'])}' is not supported by this delegate version`);
  }
}

async function call(ctx: OperationContext, client: KubernetesClient, method: string, apiPath: string, body?: unknown, contentType = 'application/json') {
  const url = `${client.base}${apiPath}`;
  const answer = await httpCall(ctx, {
    url,
    method,
    headers: { accept: 'application/json', ...client.headers, ...(body !== undefined ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    ...(client.tls ? { tls: client.tls } : {}),
    retry: method === 'GET',
  });
  if (answer.status === 401) throw authenticationError(answer, url, 'the cluster credentials');
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    // a non-JSON answer is reported by status below
  }
  if (answer.status >= 400) {
    const why = typeof json['message'] === 'string' ? json['message'] : `status ${answer.status}`;
    throw new ConnectorCheckError(answer.status === 403 ? 'FORBIDDEN' : 'KUBERNETES_ERROR', answer.status === 403 ? 'authentication' : 'operation', `${method} ${describeUrl(url)} answered ${answer.status}: ${why}`);
  }
  return { json, latencyMs: answer.latencyMs };
}

/** Server-side apply of one object (`PATCH … application/apply-patch+yaml`; JSON is valid YAML). */
export async function applyObject(ctx: OperationContext, client: KubernetesClient, object: { apiVersion: string; kind: string; metadata: { name: string; namespace: string } }): Promise<Record<string, unknown>> {
  const plural = `${object.kind.toLowerCase()}s`;
  const group = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
  const apiPath = `${group}/namespaces/${encodeURIComponent(object.metadata.namespace)}/${plural}/${encodeURIComponent(object.metadata.name)}?fieldManager=conduit&force=true`;
  return (await call(ctx, client, 'PATCH', apiPath, object, 'application/apply-patch+yaml')).json;
}

/** The cluster connector's test: the API server's version, and whether these credentials may list namespaces. */
export const kubernetesOperations: ConnectorOperations = {
  async test(ctx) {
    const client = await ctx.stage('authentication', () => kubernetesClient(ctx));
    const version = await ctx.stage('connection', () => call(ctx, client, 'GET', '/version'));
    return ctx.stage('operation', async () => {
      const review = await call(ctx, client, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb: 'list', resource: 'namespaces' } },
      });
      const allowed = (review.json['status'] as { allowed?: boolean } | undefined)?.allowed === true;
      return {
        message: `Kubernetes ${String(version.json['gitVersion'] ?? '?')} at ${describeUrl(client.base)}; listing namespaces is ${allowed ? 'allowed' : 'not allowed'}`,
        details: { version: version.json['gitVersion'], canListNamespaces: allowed, latencyMs: version.latencyMs },
      };
    });
  },
  actions: {
    'list-namespaces': {
      description: 'The namespaces of the cluster with their phase (GET /api/v1/namespaces)',
      input: z.object({}).strict(),
      async run(ctx) {
        const client = await kubernetesClient(ctx);
        const list = await call(ctx, client, 'GET', '/api/v1/namespaces');
        const items = Array.isArray(list.json['items']) ? (list.json['items'] as Array<{ metadata?: { name?: string }; status?: { phase?: string } }>) : [];
        const namespaces = items.map((item) => ({ name: item.metadata?.name ?? '', phase: item.status?.phase ?? null }));
        return { message: `${namespaces.length} namespaces at ${describeUrl(client.base)}`, details: { namespaces, latencyMs: list.latencyMs } };
      },
    },
  },
};
