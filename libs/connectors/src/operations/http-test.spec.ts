import { createServer, IncomingMessage, Server } from 'node:http';
import { validateConnectorSpec } from '../catalog';
import { ConnectorCheckError } from './context';
import { httpOperations } from './http-test';
import { prometheusOperations } from './prometheus-test';
import { testContext } from './testing';

/** A real HTTP server on loopback whose answers each test scripts, recording what reached it. */
let server: Server;
let base: string;
const seen: IncomingMessage[] = [];
type Answer = { status: number; body?: string; headers?: Record<string, string> };
let answers: Array<(req: IncomingMessage) => Answer> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    const answer: Answer = (answers.shift() ?? ((): Answer => ({ status: 200, body: 'ok' })))(req);
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(answer.body ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());
beforeEach(() => {
  seen.length = 0;
  answers = [];
});

const spec = (extra: Record<string, unknown> = {}) => {
  const v = validateConnectorSpec('Http', { url: `${base}/health`, ...extra });
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return v.spec;
};

async function failure(promise: Promise<unknown>): Promise<ConnectorCheckError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConnectorCheckError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('Http connector test (against a real loopback HTTP server)', () => {
  it('succeeds on 2xx and sends the bearer token from its secret', async () => {
    const { ctx, stages } = testContext(spec({ auth: { type: 'BearerToken', spec: { tokenRef: 'tok' } } }), { tok: 'secret-token-1' });
    const outcome = await httpOperations.test(ctx);
    expect(outcome.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/health answered 200 in \d+ ms$/);
    expect(seen[0]?.headers.authorization).toBe('Bearer secret-token-1');
    expect(stages).toEqual([
      { stage: 'authentication', ok: true },
      { stage: 'connection', ok: true },
      { stage: 'operation', ok: true },
    ]);
  });

  it('reports a 401 as an authentication failure naming the URL, without the credentials', async () => {
    answers.push(() => ({ status: 401 }));
    const { ctx } = testContext(spec({ auth: { type: 'UsernamePassword', spec: { username: 'bot', passwordRef: 'pw' } } }), { pw: 'hunter2-canary' });
    const error = await failure(httpOperations.test(ctx));
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toMatch(/^authentication failed: the request rejected by http:\/\/127\.0\.0\.1:\d+\/health \(401\)$/);
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('bot:hunter2-canary').toString('base64')}`);
    expect(JSON.stringify(error)).not.toContain('hunter2');
  });

  it('retries transient answers (503, 429 with Retry-After) and then succeeds', async () => {
    answers.push(() => ({ status: 503 }), () => ({ status: 429, headers: { 'retry-after': '0' } }));
    const { ctx, logs } = testContext(spec());
    await httpOperations.test(ctx);
    expect(seen).toHaveLength(3);
    expect(logs).toEqual([expect.stringContaining('answered 503; retrying'), expect.stringContaining('answered 429; retrying')]);
  });

  it('does not retry a permanent failure, and checks the expected status and body', async () => {
    answers.push(() => ({ status: 404 }));
    expect(await failure(httpOperations.test(testContext(spec()).ctx))).toMatchObject({ code: 'UNEXPECTED_STATUS', stage: 'operation' });
    expect(seen).toHaveLength(1);
    answers.push(() => ({ status: 200, body: 'degraded' }));
    expect(await failure(httpOperations.test(testContext(spec({ expectedBodyContains: 'healthy' })).ctx))).toMatchObject({ code: 'UNEXPECTED_BODY' });
    answers.push(() => ({ status: 418 }));
    await httpOperations.test(testContext(spec({ expectedStatus: [418] })).ctx);
  });

  it('names a refused connection as a connection-stage failure', async () => {
    const error = await failure(httpOperations.test(testContext({ url: 'http://127.0.0.1:1/x' }).ctx));
    expect(error).toMatchObject({ code: 'CONNECTION_REFUSED', stage: 'connection', message: 'connection refused by http://127.0.0.1:1/x' });
  });
});

describe('Prometheus connector test (against a loopback server speaking the query API)', () => {
  it('runs instant queries and counts the up series', async () => {
    const reply = (req: IncomingMessage) => ({
      status: 200,
      body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: req.url?.includes('query=up') ? [{}, {}] : [{}] } }),
    });
    answers.push(reply, reply);
    const outcome = await prometheusOperations.test(testContext({ url: base }).ctx);
    expect(outcome.details).toMatchObject({ series: 2 });
    expect(seen.map((r) => r.url)).toEqual(['/api/v1/query?query=vector(1)', '/api/v1/query?query=up']);
  });

  it('tells a non-Prometheus endpoint apart', async () => {
    answers.push(() => ({ status: 200, body: '<html>hello</html>' }));
    expect(await failure(prometheusOperations.test(testContext({ url: base }).ctx))).toMatchObject({ code: 'NOT_PROMETHEUS' });
  });
});
