import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { ApiClient } from '../testing/api-client';
import { startTestControlPlane, TestControlPlane } from '../testing/test-env';

type Json = Record<string, unknown>;
const P = '?org=default&project=default';

/**
 * Operations of platform-mode connectors (executeOnDelegate: false) on the real PostgreSQL: they run inside the
 * control plane through the same runner as its connection tests, with no delegate connected at all. The peer is a
 * loopback STAND-IN answering Jira's "Create issue" (POST /rest/api/2/issue) and Prometheus's instant query
 * (GET /api/v1/query) and recording what reached it; loopback is what platform mode refuses until an account
 * admin allows private networks.
 */
describe('platform-mode connector operations (real PostgreSQL; Jira and Prometheus API stand-in on loopback)', () => {
  const canary = `canary-platform-op-${Date.now()}`;
  let cp: TestControlPlane;
  let api: ApiClient;
  let server: Server;
  let port: number;
  const reached: Array<{ method: string; path: string; headers: IncomingHttpHeaders; body: string }> = [];
  const responses: string[] = [];
  const call = async <T = Json>(request: Promise<{ status: number; body: T }>) => {
    const response = await request;
    responses.push(JSON.stringify(response.body));
    return response;
  };
  const run = (ref: string, operation: string, body: Json) => call(api.post<Json>(`/v1/connectors/${ref}/operations/${operation}${P}&wait=true`, body));
  const taskRow = async (id: unknown) =>
    ((await cp.dataSource.query(`SELECT kind, status, mutating, delegate_id, delegate_name, payload FROM tasks WHERE id = $1`, [id])) as Json[])[0];
  const operationTasks = async () => Number(((await cp.dataSource.query(`SELECT count(*) AS n FROM tasks WHERE kind = 'connector.operation'`)) as Array<{ n: string }>)[0]?.n);

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        reached.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST' && req.url === '/rest/api/2/issue') {
          res.statusCode = 201;
          res.end(JSON.stringify({ id: '10000', key: 'OPS-1', self: `http://127.0.0.1:${port}/rest/api/2/issue/10000` }));
          return;
        }
        // The series' label carries the secret, as a careless exporter might: the result must come back masked.
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { __name__: 'up', token: canary }, value: [1, '1'] }] } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as { port: number }).port;
    cp = await startTestControlPlane({ env: { LOG_LEVEL: 'error' } });
    api = new ApiClient(cp.url, cp.adminApiKey);
    expect((await call(api.post(`/v1/secrets${P}`, { identifier: 'jira_token', name: 'jira', kind: 'text', allowPlatformUse: true, value: { value: canary } }))).status).toBe(201);
    const jira = { jiraUrl: `http://127.0.0.1:${port}/`, auth: { type: 'UsernamePassword', spec: { username: 'bot@example.com', passwordRef: 'jira_token' } }, executeOnDelegate: false };
    const prometheus = { url: `http://127.0.0.1:${port}`, username: 'reader', passwordRef: 'jira_token', executeOnDelegate: false };
    for (const [identifier, type, spec] of [['tickets', 'Jira', jira], ['metrics', 'Prometheus', prometheus]] as const) {
      expect((await call(api.post<Json>(`/v1/connectors${P}`, { identifier, name: identifier, type, spec }))).body).toMatchObject({ connectivity: 'platform' });
    }
  });
  afterAll(async () => {
    server?.close();
    await cp?.close();
  });

  it('runs the operation in the control plane and refuses loopback until allowed; nothing reaches the peer', async () => {
    const refused = await run('tickets', 'create-issue', { projectKey: 'OPS', summary: 'Disk full on db-1' });
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ operation: 'create-issue', status: 'FAILURE', stage: 'connection', delegate: 'control plane', errors: [{ code: 'ADDRESS_NOT_ALLOWED' }] });
    expect(refused.body['message']).toBe('127.0.0.1, a loopback address: connectors run by the control plane may only reach public addresses');
    expect(reached).toHaveLength(0);
    // The task is the durable record a delegate's would be: kind, a write, run here rather than by any delegate.
    expect(await taskRow(refused.body['taskId'])).toMatchObject({
      kind: 'connector.operation',
      status: 'failed',
      mutating: true,
      delegate_id: null,
      delegate_name: 'control plane',
      payload: { type: 'Jira', operation: 'create-issue', input: { projectKey: 'OPS', issueType: 'Task', apiVersion: '2' }, runsOn: 'platform' },
    });
  });

  it('creates the issue with the master-sealed secret once an account admin allows private networks', async () => {
    expect((await api.put<Json>(`/v1/connectors/tickets/network-access${P}`, { allowPrivateNetworks: true })).body).toMatchObject({ allowPrivateNetworks: true });
    const created = await run('tickets', 'create-issue', { projectKey: 'OPS', summary: 'Disk full on db-1', description: 'since 02:00' });
    expect(created.body).toMatchObject({ status: 'SUCCESS', delegate: 'control plane', message: 'created Jira issue OPS-1 (Task) in OPS', result: { key: 'OPS-1', id: '10000', url: `http://127.0.0.1:${port}/browse/OPS-1` } });
    expect(reached.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([['POST', '/rest/api/2/issue', `Basic ${Buffer.from(`bot@example.com:${canary}`).toString('base64')}`]]);
    expect(JSON.parse(reached[0]?.body ?? '{}')).toEqual({ fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'Disk full on db-1', description: 'since 02:00' } });
    expect(await taskRow(created.body['taskId'])).toMatchObject({ status: 'succeeded', mutating: true });
    const stages = (await cp.dataSource.query(`SELECT stage, status FROM task_events WHERE task_id = $1 AND type = 'progress' ORDER BY seq`, [created.body['taskId']])) as Json[];
    expect(stages.map((s) => `${s['stage']} ${s['status']}`)).toEqual(['authentication started', 'authentication succeeded', 'connection started', 'connection succeeded', 'operation started', 'operation succeeded']);
    const audit = (await api.get<{ items: Json[] }>('/v1/audit-events?action=connector.operation.create-issue')).body.items;
    expect(audit).toHaveLength(2);
  });

  it('runs a read-only operation here too, masking a secret the peer echoes in its answer', async () => {
    expect((await api.put<Json>(`/v1/connectors/metrics/network-access${P}`, { allowPrivateNetworks: true })).status).toBe(200);
    reached.length = 0;
    const result = await run('metrics', 'query', { query: 'up' });
    expect(result.body).toMatchObject({ status: 'SUCCESS', delegate: 'control plane', result: { resultType: 'vector', result: [{ metric: { __name__: 'up', token: '***' } }] } });
    expect(reached.map((r) => r.path)).toEqual(['/api/v1/query?query=up']);
    expect(await taskRow(result.body['taskId'])).toMatchObject({ kind: 'connector.operation', status: 'succeeded', mutating: false });
  });

  it('answers a bad input with 400 naming the field, and creates no task', async () => {
    const before = await operationTasks();
    const bad = await run('tickets', 'create-issue', { projectKey: 'ops', summary: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body['message']).toBe('body.projectKey: a project key is upper-case letters, digits and _, e.g. OPS');
    expect(await operationTasks()).toBe(before);
  });

  it('never lets the secret out: responses, task rows, task events and audit are free of it', async () => {
    const rows = (await cp.dataSource.query(
      `SELECT (SELECT string_agg(t::text, '') FROM tasks t) || (SELECT coalesce(string_agg(e::text, ''), '') FROM task_events e)
              || (SELECT string_agg(a::text, '') FROM audit_events a) AS everything`,
    )) as Array<{ everything: string }>;
    const everything = rows[0]?.everything ?? '';
    expect(everything).toContain('OPS-1'); // the rows are there …
    for (const text of [everything, ...responses]) expect(text).not.toContain(canary); // … the value is not
  });
});
