import fc from 'fast-check';
import { DELEGATE_SOCKET_PATH, PROTOCOL_VERSION } from '@conduit/protocol';
import { stringify } from 'yaml';
import WebSocket from 'ws';
import { ApiClient } from './testing/api-client';
import { startTestControlPlane, TestControlPlane } from './testing/test-env';

/** Cases per endpoint: hundreds in CI, many more with FUZZ_RUNS (npm run fuzz). */
const runs = Number(process.env['FUZZ_RUNS'] ?? 150);

/**
 * Hostile input at every edge of the running control plane: request bodies, YAML, query strings and
 * WebSocket frames. The property: a 4xx with a message naming what is wrong (never a 5xx), and the
 * process and the socket stay up.
 */
describe('the API and the delegate socket under hostile input (property-based, real PostgreSQL)', () => {
  let cp: TestControlPlane;
  let api: ApiClient;

  beforeAll(async () => {
    cp = await startTestControlPlane();
    api = new ApiClient(cp.url, cp.adminApiKey);
  });
  afterAll(() => cp?.close());

  const expectClientError = (response: { status: number; body: unknown }) => {
    expect(response.status).toBeLessThan(500);
    if (response.status >= 400) {
      const body = response.body as { code?: unknown; message?: unknown; requestId?: unknown };
      expect(typeof body.code).toBe('string');
      expect(typeof body.message).toBe('string');
      expect(typeof body.requestId).toBe('string');
    }
  };

  // PostgreSQL text and jsonb cannot hold U+0000: text carrying it must be refused, not fail when written.
  const withNul = fc.string({ maxLength: 10 }).map((text) => `${text}\u0000`);
  const jsonish = fc.oneof(
    fc.anything(),
    fc.record(
      {
        identifier: fc.oneof(fc.string(), fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/)),
        name: fc.oneof(fc.anything(), withNul),
        type: fc.constantFrom('Github', 'Prometheus', 'Http', 'Vault', 'K8sCluster', 'nope', ''),
        kind: fc.constantFrom('text', 'file', 'ssh-key', 'noop', 'sleep', 'echo'),
        spec: fc.oneof(fc.anything(), fc.dictionary(fc.string({ maxLength: 10 }), withNul)),
        value: fc.oneof(fc.anything(), fc.record({ value: withNul })),
        payload: fc.oneof(fc.anything(), fc.dictionary(withNul, fc.oneof(withNul, fc.array(withNul)))),
        selectors: fc.anything(),
        secrets: fc.anything(),
        version: fc.anything(),
        condition: fc.oneof(
          fc.anything(),
          fc.record({ type: fc.constantFrom('ConnectorStatusChange', 'DelegateDisconnected', 'PipelineFailed', 'x'), for: fc.anything(), connectors: fc.anything(), toStatus: fc.anything(), pipelines: fc.anything() }, { requiredKeys: [] }),
        ),
        notify: fc.oneof(fc.anything(), fc.array(fc.constantFrom('hook', 'org.x', 'account.', 'a b'))),
        cooldown: fc.oneof(fc.anything(), fc.constantFrom('15m', '0s', '1h30m', 'soon')),
      },
      { requiredKeys: [] },
    ),
  );

  it.each([
    ['POST', '/v1/connectors?org=default&project=default'],
    ['PUT', '/v1/connectors/nope'],
    ['POST', '/v1/secrets'],
    ['POST', '/v1/tasks'],
    ['POST', '/v1/organizations'],
    ['POST', '/v1/role-bindings'],
    ['POST', '/v1/delegate-tokens'],
    ['POST', '/v1/alert-rules?org=default&project=default'],
    ['PUT', '/v1/alert-rules/nope'],
  ])('%s %s answers arbitrary JSON bodies with 2xx or a 4xx that says why', async (method, route) => {
    await fc.assert(
      fc.asyncProperty(jsonish, async (body) => {
        expectClientError(await api.request(method, route, body ?? null));
      }),
      { numRuns: runs },
    );
  });

  it('refuses a NUL character anywhere in an otherwise valid body with a 400 naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(withNul, fc.constantFrom('task', 'connector', 'secret'), async (text, what) => {
        const [route, body, path] =
          what === 'task'
            ? ['/v1/tasks', { kind: 'noop', payload: { note: text } }, 'body.payload.note']
            : what === 'connector'
              ? ['/v1/connectors', { identifier: 'nul_probe', name: text, type: 'Http', spec: { url: 'http://127.0.0.1:9/' } }, 'body.name']
              : ['/v1/secrets', { identifier: 'nul_probe', name: 'probe', kind: 'text', value: { value: text } }, 'body.value.value'];
        const response = await api.request('POST', route, body);
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path }] });
      }),
      { numRuns: Math.min(runs, 60) },
    );
  });

  it.each([['/v1/connectors/import'], ['/v1/pipelines']])('POST %s answers arbitrary YAML with 2xx or a 4xx that says why', async (route) => {
    const yamlish = fc.oneof(fc.string({ maxLength: 500 }), fc.anything().map((v) => stringify(v) ?? ''), fc.record({ connector: fc.anything(), pipeline: fc.anything() }, { requiredKeys: [] }).map((v) => stringify(v)));
    await fc.assert(
      fc.asyncProperty(yamlish, async (text) => {
        expectClientError(await api.request('POST', route, text || ' '));
      }),
      { numRuns: runs },
    );
  });

  it('answers arbitrary query strings and path references without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), async (ref, org, cursor) => {
        const q = `org=${encodeURIComponent(org)}&cursor=${encodeURIComponent(cursor)}&limit=${encodeURIComponent(cursor)}`;
        expectClientError(await api.get(`/v1/connectors/${encodeURIComponent(ref) || 'x'}?${q}`));
        expectClientError(await api.get(`/v1/connectors?${q}&tag=${encodeURIComponent(ref)}`));
        expectClientError(await api.get(`/v1/tasks?${q}`));
        expectClientError(await api.get(`/v1/alert-rules/${encodeURIComponent(ref) || 'x'}/firings?${q}`));
      }),
      { numRuns: runs },
    );
  });

  it('answers arbitrary delegate frames with error frames and keeps the socket and the process up', async () => {
    const token = await cp.createDelegateToken('fuzz');
    const socket = new WebSocket(`${cp.url.replace('http', 'ws')}${DELEGATE_SOCKET_PATH}`, { headers: { Authorization: `Bearer ${token}` } });
    const frames: Array<{ type: string; code?: string }> = [];
    socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as { type: string }));
    await new Promise((r) => socket.once('open', r));
    socket.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, name: 'fuzzer', group: 'fuzz', tags: [], version: '0', capacity: 1, taskKinds: [] }));
    await new Promise((r) => setTimeout(r, 200));
    const hostile = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.json({ maxDepth: 3 }),
      fc.record({ type: fc.constantFrom('claim', 'renew', 'progress', 'log', 'result', 'heartbeat', 'hello', 'zzz'), taskId: fc.oneof(fc.uuid(), fc.string()), leaseId: fc.oneof(fc.uuid(), fc.string()), seq: fc.anything(), status: fc.anything() }, { requiredKeys: ['type'] }).map((v) => JSON.stringify(v)),
    );
    const sent = fc.sample(hostile, runs * 2);
    for (const frame of sent) socket.send(frame);
    socket.send(JSON.stringify({ type: 'heartbeat', sentAt: Date.now(), running: 0 }));
    await new Promise((r) => setTimeout(r, 1000));
    expect(socket.readyState).toBe(WebSocket.OPEN);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.every((f) => ['error', 'welcome', 'lease', 'result_ack'].includes(f.type))).toBe(true);
    socket.close();
    expect((await fetch(`${cp.url}/readyz`)).status).toBe(200);
  });
});
