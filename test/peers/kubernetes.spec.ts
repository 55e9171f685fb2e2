// The Kubernetes API stand-in: three ways to authenticate, RBAC-like answers, apply and what it stored.
import { Agent, request } from 'undici';
import { KubernetesStandIn, startKubernetes } from './kubernetes';

describe('Kubernetes API stand-in', () => {
  let kube: KubernetesStandIn;
  beforeAll(async () => {
    kube = await startKubernetes({
      users: [
        {
          name: 'deployer',
          groups: ['ci'],
          rules: [
            { verbs: ['list'], apiGroups: [''], resources: ['namespaces'] },
            {
              verbs: ['get', 'patch', 'create'],
              apiGroups: ['', 'apps'],
              resources: ['configmaps', 'deployments'],
              namespaces: ['team-a'],
            },
          ],
        },
        { name: 'viewer', rules: [] },
      ],
    });
  });
  afterAll(() => kube?.stop());

  type Auth = { token?: string; basic?: { username: string; password: string }; cert?: { cert: string; key: string } };
  async function call(method: string, path: string, auth: Auth = {}, body?: string, contentType = 'application/json') {
    const dispatcher = new Agent({ connect: { ca: kube.caCert, ...(auth.cert ?? {}) } });
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (auth.token) headers['authorization'] = `Bearer ${auth.token}`;
      if (auth.basic)
        headers['authorization'] =
          `Basic ${Buffer.from(`${auth.basic.username}:${auth.basic.password}`).toString('base64')}`;
      if (body !== undefined) headers['content-type'] = contentType;
      const response = await request(`${kube.url}${path}`, { method: method as 'GET', headers, body, dispatcher });
      return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
    } finally {
      await dispatcher.close();
    }
  }
  const deployer = () => ({ token: kube.credentials['deployer'].token });

  it('serves /version to anonymous callers and over verified TLS', async () => {
    const version = await call('GET', '/version');
    expect(version).toMatchObject({ status: 200, body: { major: '1', gitVersion: 'v1.29.4' } });
  });

  it('authenticates with a bearer token, basic auth and a client certificate', async () => {
    const { token, basic, clientCert, clientKey } = kube.credentials['deployer'];
    for (const auth of [{ token }, { basic }, { cert: { cert: clientCert, key: clientKey } }]) {
      const namespaces = await call('GET', '/api/v1/namespaces', auth);
      expect(namespaces.status).toBe(200);
      expect(namespaces.body['kind']).toBe('NamespaceList');
      expect((namespaces.body['items'] as Array<{ metadata: { name: string } }>).map((n) => n.metadata.name)).toContain(
        'team-a',
      );
      expect(kube.requests.at(-1)?.identity).toBe('deployer');
    }
  });

  it('answers invalid credentials with the 401 Status, also for a certificate from another CA', async () => {
    const unauthorized = {
      status: 401,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      },
    };
    expect(await call('GET', '/api/v1/namespaces', { token: 'not-a-token' })).toEqual(unauthorized);
    expect(await call('GET', '/version', { basic: { username: 'deployer', password: 'wrong' } })).toEqual(unauthorized);
    expect(
      await call('GET', '/api/v1/namespaces', { cert: { cert: kube.foreignClientCert, key: kube.foreignClientKey } }),
    ).toEqual(unauthorized);
  });

  it('answers a denied request with the 403 Status wording of the API server', async () => {
    const anonymous = await call('GET', '/api/v1/namespaces');
    expect(anonymous).toMatchObject({
      status: 403,
      body: {
        reason: 'Forbidden',
        message:
          'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope',
      },
    });
    const viewer = await call('GET', '/apis/apps/v1/namespaces/team-a/deployments/web', {
      token: kube.credentials['viewer'].token,
    });
    expect(viewer.body['message']).toBe(
      'deployments.apps "web" is forbidden: User "viewer" cannot get resource "deployments" in API group "apps" in the namespace "team-a"',
    );
  });

  it('answers self subject access reviews from the rule table', async () => {
    const review = (verb: string, resource: string, namespace: string, group = '') =>
      call(
        'POST',
        '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        deployer(),
        JSON.stringify({
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { namespace, verb, group, resource } },
        }),
      );
    const allowed = await review('patch', 'deployments', 'team-a', 'apps');
    expect(allowed).toMatchObject({
      status: 201,
      body: { kind: 'SelfSubjectAccessReview', status: { allowed: true } },
    });
    expect((await review('patch', 'deployments', 'default', 'apps')).body['status']).toEqual({ allowed: false });
    expect((await review('delete', 'configmaps', 'team-a')).body['status']).toEqual({ allowed: false });
  });

  it('applies a Deployment server-side and records it', async () => {
    const manifest = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      '  labels: { app: web }',
      'spec:',
      '  replicas: 2',
      '  selector: { matchLabels: { app: web } }',
      '  template:',
      '    metadata: { labels: { app: web } }',
      '    spec: { containers: [{ name: web, image: "nginx:1.25" }] }',
    ].join('\n');
    const path = '/apis/apps/v1/namespaces/team-a/deployments/web?fieldManager=conduit';
    const created = await call('PATCH', path, deployer(), manifest, 'application/apply-patch+yaml');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'team-a', generation: 1 },
      spec: { replicas: 2 },
    });
    const updated = await call(
      'PATCH',
      path,
      deployer(),
      manifest.replace('replicas: 2', 'replicas: 3'),
      'application/apply-patch+yaml',
    );
    expect(updated).toMatchObject({ status: 200, body: { metadata: { generation: 2 }, spec: { replicas: 3 } } });
    expect(kube.getObject('deployments', 'team-a', 'web')).toMatchObject({ spec: { replicas: 3 } });
    expect(kube.applied.map((a) => [a.operation, a.fieldManager, a.user])).toEqual([
      ['Apply', 'conduit', 'deployer'],
      ['Apply', 'conduit', 'deployer'],
    ]);
    const fetched = await call('GET', '/apis/apps/v1/namespaces/team-a/deployments/web', deployer());
    expect(fetched.body['spec']).toMatchObject({ replicas: 3 });
  });

  it('rejects apply without fieldManager (422), a mismatched name (400) and an unknown media type (415)', async () => {
    const body = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { a: "1" }\n';
    const noManager = await call(
      'PATCH',
      '/api/v1/namespaces/team-a/configmaps/settings',
      deployer(),
      body,
      'application/apply-patch+yaml',
    );
    expect(noManager).toMatchObject({ status: 422, body: { reason: 'Invalid', code: 422 } });
    const wrongName = await call(
      'PATCH',
      '/api/v1/namespaces/team-a/configmaps/other?fieldManager=c',
      deployer(),
      body,
      'application/apply-patch+yaml',
    );
    expect(wrongName.body['message']).toBe(
      'the name of the object (settings) does not match the name on the URL (other)',
    );
    const unsupported = await call(
      'PATCH',
      '/api/v1/namespaces/team-a/configmaps/settings',
      deployer(),
      '{}',
      'text/plain',
    );
    expect(unsupported).toMatchObject({ status: 415, body: { reason: 'UnsupportedMediaType' } });
  });

  it('creates and merge-patches ConfigMaps; dry runs are recorded but not stored', async () => {
    const configMap = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'flags' },
      data: { a: '1' },
    });
    expect((await call('POST', '/api/v1/namespaces/team-a/configmaps?dryRun=All', deployer(), configMap)).status).toBe(
      201,
    );
    expect(kube.getObject('configmaps', 'team-a', 'flags')).toBeUndefined();
    expect((await call('POST', '/api/v1/namespaces/team-a/configmaps', deployer(), configMap)).status).toBe(201);
    const again = await call('POST', '/api/v1/namespaces/team-a/configmaps', deployer(), configMap);
    expect(again).toMatchObject({
      status: 409,
      body: { reason: 'AlreadyExists', message: 'configmaps "flags" already exists' },
    });
    const patched = await call(
      'PATCH',
      '/api/v1/namespaces/team-a/configmaps/flags',
      deployer(),
      JSON.stringify({ data: { b: '2' } }),
      'application/merge-patch+json',
    );
    expect(patched.body['data']).toEqual({ a: '1', b: '2' });
    expect(kube.applied.filter((a) => a.object.kind === 'ConfigMap').map((a) => [a.operation, a.dryRun])).toEqual([
      ['Create', true],
      ['Create', false],
      ['Update', false],
    ]);
  });
});
