import { createServer, IncomingMessage, Server } from 'node:http';
import { validateConnectorSpec } from '../catalog';
import { ConnectorCheckError } from './context';
import { dockerRegistryOperations } from './docker-registry-test';
import { testContext } from './testing';

/**
 * A loopback registry doing token authentication the way Docker Hub and Harbor do (the Debian registry
 * peer in test/peers speaks only htpasswd Basic): /v2/ challenges with Bearer, /token checks Basic.
 */
let server: Server;
let base: string;
const seen: Array<{ path: string; authorization: string | undefined }> = [];
const TOKEN = 'registry-token-123';

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
    if (url.pathname === '/token') {
      const ok = req.headers.authorization === `Basic ${Buffer.from('bot:right-password').toString('base64')}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? JSON.stringify({ token: TOKEN, expires_in: 300 }) : '{"details":"incorrect username or password"}');
      return;
    }
    if (req.headers.authorization === `Bearer ${TOKEN}`) {
      res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0' });
      res.end('{}');
      return;
    }
    res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="test-registry"` });
    res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());
beforeEach(() => void (seen.length = 0));

const spec = () => {
  const v = validateConnectorSpec('DockerRegistry', { dockerRegistryUrl: `${base}/v2/`, providerType: 'Other', auth: { type: 'UsernamePassword', spec: { username: 'bot', passwordRef: 'pw' } } });
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return v.spec;
};

describe('DockerRegistry connector test with token authentication (loopback registry)', () => {
  it('follows the Bearer challenge to the token endpoint with Basic credentials, then retries /v2/ with the token', async () => {
    const outcome = await dockerRegistryOperations.test(testContext(spec(), { pw: 'right-password' }).ctx);
    expect(outcome.details).toMatchObject({ authScheme: 'bearer', apiVersion: 'registry/2.0' });
    expect(seen.map((s) => s.path)).toEqual(['/v2/', '/token?service=test-registry', '/v2/']);
    expect(seen[2]?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('reports credentials the token endpoint rejects as AUTHENTICATION_FAILED naming it, without the password', async () => {
    let error: unknown;
    await dockerRegistryOperations.test(testContext(spec(), { pw: 'wrong-canary' }).ctx).catch((e: unknown) => (error = e));
    expect(error).toBeInstanceOf(ConnectorCheckError);
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication', message: `authentication failed: the password of user 'bot' rejected by ${base}/token (401)` });
    expect(JSON.stringify({ m: (error as Error).message, h: (error as ConnectorCheckError).hint })).not.toContain('wrong-canary');
  });
});
