import { ApiClient } from '../testing/api-client';
import { startTestControlPlane, TestControlPlane } from '../testing/test-env';

/**
 * The access matrix, generated: principals holding one role at one scope × target scopes × endpoints.
 * The expectation comes from the policy as the issue states it (admin manages, developer uses, viewer
 * views; a binding covers its scope and everything below), written here independently of the code.
 */
type Role = 'admin' | 'developer' | 'viewer';
type ScopeName = 'account' | 'org:default' | 'project:default/default' | 'project:default/other' | 'org:eng' | 'project:eng/web';

const SCOPES: Record<ScopeName, { org?: string; project?: string }> = {
  account: {},
  'org:default': { org: 'default' },
  'project:default/default': { org: 'default', project: 'default' },
  'project:default/other': { org: 'default', project: 'other' },
  'org:eng': { org: 'eng' },
  'project:eng/web': { org: 'eng', project: 'web' },
};

const PRINCIPALS: Array<{ name: string; role: Role; at: ScopeName }> = [
  { name: 'acct_viewer', role: 'viewer', at: 'account' },
  { name: 'acct_dev', role: 'developer', at: 'account' },
  { name: 'org_admin', role: 'admin', at: 'org:default' },
  { name: 'org_dev', role: 'developer', at: 'org:default' },
  { name: 'proj_admin', role: 'admin', at: 'project:default/default' },
  { name: 'proj_dev', role: 'developer', at: 'project:default/default' },
  { name: 'proj_viewer', role: 'viewer', at: 'project:default/default' },
];

function covers(binding: ScopeName, target: ScopeName): boolean {
  const b = SCOPES[binding];
  const t = SCOPES[target];
  if (!b.org) return true;
  if (b.org !== t.org) return false;
  return !b.project || b.project === t.project;
}

const CAN: Record<Role, { view: boolean; edit: boolean; pipeline: boolean }> = {
  admin: { view: true, edit: true, pipeline: true },
  developer: { view: true, edit: false, pipeline: true },
  viewer: { view: true, edit: false, pipeline: false },
};

const query = (scope: ScopeName) => {
  const { org, project } = SCOPES[scope];
  return org ? `?org=${org}${project ? `&project=${project}` : ''}` : '?';
};

const connector = (identifier: string) => ({
  identifier,
  name: identifier,
  type: 'Prometheus',
  spec: { url: 'https://prometheus.internal:9090/', username: 'u', passwordRef: 'account.prom_pw' },
});

describe('access control matrix (real PostgreSQL)', () => {
  let cp: TestControlPlane;
  let admin: ApiClient;
  const clients = new Map<string, ApiClient>();

  beforeAll(async () => {
    cp = await startTestControlPlane();
    admin = new ApiClient(cp.url, cp.adminApiKey);
    expect((await admin.post('/v1/organizations/default/projects', { identifier: 'other', name: 'Other' })).status).toBe(201);
    expect((await admin.post('/v1/organizations', { identifier: 'eng', name: 'Engineering' })).status).toBe(201);
    expect((await admin.post('/v1/organizations/eng/projects', { identifier: 'web', name: 'Web' })).status).toBe(201);
    for (const scope of Object.keys(SCOPES) as ScopeName[]) {
      expect((await admin.post(`/v1/connectors${query(scope)}`, connector('seed'))).status).toBe(201);
    }
    for (const p of PRINCIPALS) {
      const principal = await admin.post<{ id: string }>('/v1/principals', { name: p.name, kind: 'user' });
      expect((await admin.post('/v1/role-bindings', { principalId: principal.body.id, role: p.role, ...SCOPES[p.at] })).status).toBe(201);
      const key = await admin.post<{ apiKey: string }>(`/v1/principals/${principal.body.id}/api-keys`, { name: 'test' });
      clients.set(p.name, new ApiClient(cp.url, key.body.apiKey));
    }
  });
  afterAll(() => cp?.close());

  const cases = PRINCIPALS.flatMap((p) => (Object.keys(SCOPES) as ScopeName[]).map((target) => [p.name, p.role, p.at, target] as const));

  it.each(cases)('%s (%s at %s) in %s', async (name, role, at, target) => {
    const api = clients.get(name) as ApiClient;
    const inScope = covers(at, target);
    const allowed = (what: keyof (typeof CAN)['admin']) => inScope && CAN[role][what];
    const q = query(target);
    const id = `c_${name}`;

    const list = await api.get<{ items: Array<{ secretRefs: Array<{ ref: string }> }> }>(`/v1/connectors${q}`);
    expect(list.status).toBe(allowed('view') ? 200 : 403);
    if (list.status === 200) {
      // Only admins see which secrets a connector uses.
      expect(list.body.items[0]?.secretRefs[0]?.ref).toBe(allowed('edit') ? 'account.prom_pw' : '<redacted>');
    } else {
      expect(list.body).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('lacks connector:view') });
    }
    expect((await api.get(`/v1/connectors/seed${q}`)).status).toBe(allowed('view') ? 200 : 403);

    const created = await api.post(`/v1/connectors${q}`, connector(id));
    expect(created.status).toBe(allowed('edit') ? 201 : 403);
    const seed = await admin.get<{ version: number }>(`/v1/connectors/seed${q}`);
    const updated = await api.put(`/v1/connectors/seed${q}`, { ...connector('seed'), name: `seed by ${name}`, version: seed.body.version });
    expect(updated.status).toBe(allowed('edit') ? 200 : allowed('view') ? 403 : 403);
    if (created.status === 201) expect((await api.delete(`/v1/connectors/${id}${q}`)).status).toBe(204);
    else expect((await api.delete(`/v1/connectors/seed${q}`)).status).toBe(403);

    const pipeline = `pipeline:\n  name: P\n  identifier: p_${name}\n  stages:\n    - name: S\n      type: deploy\n      spec:\n        service: svc\n        environment:\n          name: prod\n          deploy-to: k8s\n        connector: account.seed\n`;
    expect((await api.post(`/v1/pipelines${q}`, pipeline)).status).toBe(allowed('pipeline') ? 201 : 403);
  });

  it('reaches parent scopes’ connectors from a project binding, but never a sibling project', async () => {
    const dev = clients.get('proj_dev') as ApiClient;
    expect((await dev.get('/v1/connectors/account.seed?org=default&project=default')).status).toBe(200);
    expect((await dev.get('/v1/connectors/org.seed?org=default&project=default')).status).toBe(200);
    expect((await dev.get('/v1/connectors/seed?org=default&project=other')).status).toBe(403);
    // Editing a parent scope's connector needs edit rights there, not in the project.
    const projectAdmin = clients.get('proj_admin') as ApiClient;
    const current = await admin.get<{ version: number }>('/v1/connectors/seed');
    expect((await projectAdmin.put('/v1/connectors/account.seed?org=default&project=default', { ...connector('seed'), version: current.body.version })).status).toBe(403);
  });

  it('reserves account administration (orgs, principals, audit) to account admins', async () => {
    for (const name of ['org_admin', 'proj_admin', 'acct_dev', 'acct_viewer']) {
      const api = clients.get(name) as ApiClient;
      expect((await api.post('/v1/organizations', { identifier: `o_${name}`, name })).status).toBe(403);
      expect((await api.post('/v1/principals', { name: `p_${name}`, kind: 'service' })).status).toBe(403);
      expect((await api.get('/v1/audit-events')).status).toBe(403);
    }
    // An org admin manages projects and role bindings inside their organization only.
    const orgAdmin = clients.get('org_admin') as ApiClient;
    expect((await orgAdmin.post('/v1/organizations/default/projects', { identifier: 'by_org_admin', name: 'x' })).status).toBe(201);
    expect((await orgAdmin.post('/v1/organizations/eng/projects', { identifier: 'by_org_admin', name: 'x' })).status).toBe(403);
  });

  it('keeps accounts apart: another account’s admin sees and reaches nothing of this one', async () => {
    const other = new ApiClient(cp.url, await cp.createAccount('globex'));
    expect((await other.get('/v1/connectors/account.seed')).status).toBe(404);
    expect((await other.get('/v1/connectors/seed?org=eng')).status).toBe(404); // no org 'eng' in globex
    const listed = await other.get<{ items: unknown[] }>('/v1/connectors?org=default&project=default&includeParentScopes=true');
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([]);
    const audit = await other.get<{ items: Array<{ resourceRef: string }> }>('/v1/audit-events');
    expect(audit.body.items.every((e) => !e.resourceRef.startsWith('seed'))).toBe(true);
    expect(((await other.get<{ items: unknown[] }>('/v1/delegates')).body.items)).toEqual([]);
  });

  it('refuses a revoked API key', async () => {
    const principal = await admin.post<{ id: string }>('/v1/principals', { name: 'temp', kind: 'service' });
    const key = await admin.post<{ id: string; apiKey: string }>(`/v1/principals/${principal.body.id}/api-keys`, { name: 'k' });
    const api = new ApiClient(cp.url, key.body.apiKey);
    expect((await api.get('/v1/connectors')).status).toBe(403); // authenticated, but no role
    expect((await admin.delete(`/v1/api-keys/${key.body.id}`)).status).toBe(204);
    expect((await api.get('/v1/connectors')).status).toBe(401);
  });
});
