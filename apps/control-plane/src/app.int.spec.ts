import { stat, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { BootstrapService } from './scopes/bootstrap.service';
import { startTestControlPlane, TestControlPlane } from './testing/test-env';

describe.each(['redis', 'postgres'] as const)('control plane on real PostgreSQL, queue on %s', (queue) => {
  let cp: TestControlPlane;

  beforeAll(async () => {
    cp = await startTestControlPlane({ queue });
  });
  afterAll(() => cp?.close());

  const get = (route: string, key?: string) =>
    fetch(`${cp.url}${route}`, { headers: key ? { Authorization: `Bearer ${key}` } : {} });

  it('answers liveness and readiness with the database and queue checked', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, queue: { status: 'up', backend: queue } },
    });
  });

  it('serves Prometheus metrics and the OpenAPI document without a key', async () => {
    await get('/healthz');
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toContain('conduit_process_resident_memory_bytes');
    expect(metrics).toContain('conduit_http_request_duration_seconds_bucket');
    expect(metrics).toMatch(/conduit_delegates_connected \d+/);
    expect(metrics).toMatch(/conduit_tasks_in_flight\{status="queued"\} \d+/);
    const openapi = (await (await get('/docs/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toContain('/v1/delegates');
  });

  it('creates the default scope tree and an admin key file readable by its owner only', async () => {
    const file = path.join(cp.home, 'admin-api-key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(cp.adminApiKey);
    const rows = await cp.dataSource.query(
      `SELECT a.identifier AS account, o.identifier AS org, p.identifier AS project
         FROM projects p JOIN organizations o ON o.id = p.organization_id JOIN accounts a ON a.id = p.account_id`,
    );
    expect(rows).toEqual([{ account: 'default', org: 'default', project: 'default' }]);
  });

  it('does not create a second admin key on the next start', async () => {
    const again = await cp.app.get(BootstrapService).bootstrap();
    expect(again.adminApiKey).toBeUndefined();
    const [{ count }] = await cp.dataSource.query('SELECT count(*)::int AS count FROM api_keys');
    expect(count).toBe(1);
  });

  it('requires an API key and answers errors as {code, message, details, requestId}', async () => {
    const missing = await get('/v1/delegates');
    expect(missing.status).toBe(401);
    const body = await missing.json();
    expect(body).toEqual({ code: 'UNAUTHENTICATED', message: expect.stringContaining('Bearer'), details: null, requestId: expect.any(String) });

    const forged = await get('/v1/delegates', `${cp.adminApiKey.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(401);
    expect((await get('/v1/delegates', cp.adminApiKey)).status).toBe(200);
  });

  it('echoes a sane X-Request-Id and never leaks a stack trace on bad input', async () => {
    const response = await fetch(`${cp.url}/v1/delegates`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${cp.adminApiKey}`, 'Content-Type': 'application/json', 'X-Request-Id': 'trace-123' },
      body: '{"not json',
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    expect(body).toEqual({ code: 'BAD_REQUEST', message: expect.stringContaining('JSON'), details: null, requestId: 'trace-123' });
    expect(JSON.stringify(body)).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('refuses oversized bodies with 413', async () => {
    const response = await fetch(`${cp.url}/v1/delegates`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${cp.adminApiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await get('/v1/nothing-here', cp.adminApiKey);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'NOT_FOUND' });
  });
});
