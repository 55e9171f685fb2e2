import { generateGroupKeyPair } from '@conduit/crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { ApiClient } from '../testing/api-client';
import { FakeDelegate } from '../testing/fake-delegate';
import { startTestControlPlane, TestControlPlane } from '../testing/test-env';

type Json = Record<string, unknown>;
/** Everything lives in a project, where a project admin may edit connectors (but not open the control plane's network). */
const P = '?org=default&project=default';

/**
 * Platform mode (executeOnDelegate: false) on the real PostgreSQL: the connection test runs inside the control
 * plane with the libs/connectors operation, opening only secrets sealed to the master key. The peer is a
 * Prometheus query-API STAND-IN on loopback (it answers /api/v1/query and records what reached it); loopback is
 * exactly what platform mode must refuse until an account admin allows private networks.
 */
describe('platform-mode connectors (real PostgreSQL; Prometheus API stand-in on loopback)', () => {
  const canary = `canary-platform-${Date.now()}`;
  let cp: TestControlPlane;
  let api: ApiClient;
  let server: Server;
  let port: number;
  const reached: IncomingHttpHeaders[] = [];
  const responses: string[] = [];
  const call = async <T = Json>(request: Promise<{ status: number; body: T }>) => {
    const response = await request;
    responses.push(JSON.stringify(response.body));
    return response;
  };
  const prometheus = (identifier: string, passwordRef: string, url = `http://127.0.0.1:${port}`) => ({
    identifier,
    name: identifier,
    type: 'Prometheus',
    spec: { url, username: 'reader', passwordRef, executeOnDelegate: false },
  });
  const clientFor = async (name: string, role: string, scope: Json = {}) => {
    const principal = await api.post<{ id: string }>('/v1/principals', { name, kind: 'user' });
    expect((await api.post('/v1/role-bindings', { principalId: principal.body.id, role, ...scope })).status).toBe(201);
    return new ApiClient(cp.url, (await api.post<{ apiKey: string }>(`/v1/principals/${principal.body.id}/api-keys`, { name })).body.apiKey);
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      reached.push(req.headers);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as { port: number }).port;
    cp = await startTestControlPlane({ env: { LOG_LEVEL: 'error' } });
    api = new ApiClient(cp.url, cp.adminApiKey);
    // A delegate group key, so that a secret sealed to delegates only can exist beside the platform one.
    const delegate = await FakeDelegate.connect(cp.url, await cp.createDelegateToken(), { name: 'edge', group: 'edge', publicKey: generateGroupKeyPair().publicKey });
    delegate.close();
    expect((await call(api.post(`/v1/secrets${P}`, { identifier: 'prom_pw', name: 'prom', kind: 'text', allowPlatformUse: true, value: { value: canary } }))).status).toBe(201);
    expect((await call(api.post(`/v1/secrets${P}`, { identifier: 'edge_pw', name: 'edge', kind: 'text', value: { value: `${canary}-edge` } }))).status).toBe(201);
  });
  afterAll(async () => {
    server?.close();
    await cp?.close();
  });

  it('refuses a platform-mode connector naming a secret only delegates can open, naming the field; nothing is written', async () => {
    const refused = await call(api.post<Json>(`/v1/connectors${P}`, prometheus('prom_edge', 'edge_pw')));
    expect(refused.status).toBe(400);
    expect(refused.body['details']).toEqual([{ path: 'spec.passwordRef', message: expect.stringContaining("spec.passwordRef: secret 'edge_pw' is sealed to delegate groups only") }]);
    expect((await api.get(`/v1/connectors/prom_edge${P}`)).status).toBe(404);
    // The same secret is fine for a connector that runs on delegates.
    expect((await call(api.post(`/v1/connectors${P}`, { ...prometheus('prom_edge', 'edge_pw'), spec: { ...prometheus('x', 'edge_pw').spec, executeOnDelegate: true } }))).status).toBe(201);
  });

  it('runs the test in the control plane and refuses loopback, by address and by a name resolving to it', async () => {
    expect((await call(api.post<Json>(`/v1/connectors${P}`, prometheus('prom', 'prom_pw')))).body).toMatchObject({ connectivity: 'platform' });
    const result = await call(api.post<Json>(`/v1/connectors/prom/test${P}&wait=true`, undefined));
    expect(result.body).toMatchObject({ status: 'FAILURE', stage: 'connection', delegate: 'control plane', errors: [{ code: 'ADDRESS_NOT_ALLOWED' }] });
    expect(result.body['message']).toBe('127.0.0.1, a loopback address: connectors run by the control plane may only reach public addresses');

    const current = (await api.get<Json>(`/v1/connectors/prom${P}`)).body;
    const renamed = await call(api.put<Json>(`/v1/connectors/prom${P}`, { ...prometheus('prom', 'prom_pw', `http://localhost:${port}`), version: current['version'] }));
    expect(renamed.status).toBe(200);
    const byName = await call(api.post<Json>(`/v1/connectors/prom/test${P}&wait=true`, undefined));
    expect(byName.body).toMatchObject({ status: 'FAILURE', errors: [{ code: 'ADDRESS_NOT_ALLOWED' }] });
    expect(byName.body['message']).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(reached).toHaveLength(0);
    expect((await api.get<Json>(`/v1/connectors/prom${P}`)).body).toMatchObject({ status: 'FAILED' });
  });

  it('lets only an account admin allow private networks, audited; then the test passes with the master-sealed secret', async () => {
    const developer = await clientFor('dev', 'developer');
    const projectAdmin = await clientFor('project_admin', 'admin', { org: 'default', project: 'default' });
    // The project admin may edit this connector (connector:edit in the project) …
    const editable = (await projectAdmin.get<Json>(`/v1/connectors/prom${P}`)).body;
    expect((await projectAdmin.put(`/v1/connectors/prom${P}`, { ...prometheus('prom', 'prom_pw', `http://localhost:${port}`), description: 'edited', version: editable['version'] })).status).toBe(200);
    // … but opening the control plane's own network is an account admin's call.
    for (const client of [developer, projectAdmin]) {
      const denied = await client.put<Json>(`/v1/connectors/prom/network-access${P}`, { allowPrivateNetworks: true });
      expect(denied.status).toBe(403);
      expect(denied.body['message']).toContain('connector:allow-private-networks');
    }
    expect((await api.put<Json>(`/v1/connectors/prom/network-access${P}`, { allowPrivateNetworks: 'yes' })).body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await api.get<Json>(`/v1/connectors/prom/network-access${P}`)).body).toEqual({ allowPrivateNetworks: false, connectivity: 'platform' });

    expect((await api.put<Json>(`/v1/connectors/prom/network-access${P}`, { allowPrivateNetworks: true })).body).toEqual({ allowPrivateNetworks: true, connectivity: 'platform' });
    const audit = (await api.get<{ items: Json[] }>('/v1/audit-events?action=connector.network-access')).body.items;
    expect(audit).toEqual([expect.objectContaining({ resourceRef: 'prom', changes: [{ path: 'allowPrivateNetworks', before: false, after: true }] })]);

    const result = await call(api.post<Json>(`/v1/connectors/prom/test${P}&wait=true`, undefined));
    expect(result.body).toMatchObject({ status: 'SUCCESS', delegate: 'control plane', errors: [] });
    expect(reached.map((h) => h.authorization)).toEqual(Array(2).fill(`Basic ${Buffer.from(`reader:${canary}`).toString('base64')}`));
    const history = (await api.get<{ items: Json[] }>(`/v1/connectors/prom/status-history${P}`)).body.items;
    expect(history.map((h) => [h['from'], h['to']])).toEqual([
      ['FAILED', 'ACTIVE'],
      ['UNCONFIGURED', 'FAILED'],
    ]);

    // An account admin's edit keeps the allowance; the project admin's edit (it could point anywhere) ends it.
    const afterAdmin = await api.put<Json>(`/v1/connectors/prom${P}`, { ...prometheus('prom', 'prom_pw', `http://localhost:${port}`), description: 'by the account admin', version: (await api.get<Json>(`/v1/connectors/prom${P}`)).body['version'] });
    expect(afterAdmin.status).toBe(200);
    expect((await api.get<Json>(`/v1/connectors/prom/network-access${P}`)).body).toMatchObject({ allowPrivateNetworks: true });
    const version = (await api.get<Json>(`/v1/connectors/prom${P}`)).body['version'];
    expect((await projectAdmin.put(`/v1/connectors/prom${P}`, { ...prometheus('prom', 'prom_pw', 'http://169.254.169.254'), version })).status).toBe(200);
    expect((await api.get<Json>(`/v1/connectors/prom/network-access${P}`)).body).toMatchObject({ allowPrivateNetworks: false });
    const refused = await call(api.post<Json>(`/v1/connectors/prom/test${P}&wait=true`, undefined));
    expect(refused.body).toMatchObject({ status: 'FAILURE', errors: [{ code: 'ADDRESS_NOT_ALLOWED' }] });
    expect(refused.body['message']).toContain('169.254.169.254, a link-local address');
  });

  it('never lets the secret out: responses, task rows, task events and audit are free of it', async () => {
    const rows = (await cp.dataSource.query(
      `SELECT (SELECT string_agg(t::text, '') FROM tasks t) || (SELECT coalesce(string_agg(e::text, ''), '') FROM task_events e)
              || (SELECT string_agg(a::text, '') FROM audit_events a) || (SELECT coalesce(string_agg(c::text, ''), '') FROM connector_checks c) AS everything`,
    )) as Array<{ everything: string }>;
    const everything = rows[0]?.everything ?? '';
    expect(everything).toContain('ADDRESS_NOT_ALLOWED'); // the rows are there …
    for (const text of [everything, ...responses]) expect(text).not.toContain(canary); // … the value is not
  });
});
