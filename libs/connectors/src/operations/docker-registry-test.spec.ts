import { createHash } from 'node:crypto';
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
const seen: Array<{ path: string; authorization: string | undefined; accept?: string | undefined }> = [];
const TOKEN = 'registry-token-123';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: `${url.pathname}${url.search}`, authorization: req.headers.authorization, accept: req.headers.accept });
    if (url.pathname === '/token') {
      const ok = req.headers.authorization === `Basic ${Buffer.from('bot:right-password').toString('base64')}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? JSON.stringify({ token: TOKEN, expires_in: 300 }) : '{"details":"incorrect username or password"}');
      return;
    }
    if (req.headers.authorization === `Bearer ${TOKEN}`) {
      if (url.pathname === '/v2/team/app/tags/list') {
        // Two pages, as distribution paginates with `n` and `last` and a Link header to the next one.
        const last = url.searchParams.get('last');
        res.writeHead(200, { 'content-type': 'application/json', ...(last ? {} : { link: '</v2/team/app/tags/list?n=2&last=1.1>; rel="next"' }) });
        res.end(JSON.stringify({ name: 'team/app', tags: last ? ['latest'] : ['1.0', '1.1'] }));
        return;
      }
      const manifest = /^\/v2\/team\/app\/manifests\/(good|tampered)$/.exec(url.pathname);
      if (manifest) {
        const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] });
        const digest = `sha256:${createHash('sha256').update(manifest[1] === 'good' ? body : `${body} `).digest('hex')}`;
        res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': digest });
        res.end(body);
        return;
      }
      res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0' });
      res.end('{}');
      return;
    }
    const scope = url.pathname.startsWith('/v2/team/app/') ? ',scope="repository:team/app:pull"' : '';
    res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="test-registry"${scope}` });
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

describe('DockerRegistry operations (loopback registry with token authentication)', () => {
  const actions = dockerRegistryOperations.actions ?? {};
  const run = (name: string, input: unknown) => {
    const action = actions[name];
    if (!action) throw new Error(`no ${name}`);
    return action.run(testContext(spec(), { pw: 'right-password' }).ctx, action.input.parse(input));
  };

  it('list-tags asks the token endpoint for the repository pull scope and follows the Link header', async () => {
    const outcome = await run('list-tags', { image: 'team/app' });
    expect(outcome.details).toEqual({ image: 'team/app', tags: ['1.0', '1.1', 'latest'], complete: true });
    expect(seen.map((s) => s.path)).toContain('/token?service=test-registry&scope=repository%3Ateam%2Fapp%3Apull');
  });

  it('manifest-digest asks for OCI and Docker manifest types and checks the digest against the body', async () => {
    const outcome = await run('manifest-digest', { image: 'team/app', reference: 'good' });
    expect(outcome.details).toMatchObject({ mediaType: OCI_MANIFEST, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(seen.at(-1)?.accept?.split(', ')).toEqual(expect.arrayContaining([OCI_MANIFEST, 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json']));
    await expect(run('manifest-digest', { image: 'team/app', reference: 'tampered' })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', stage: 'operation' });
  });

  it('rejects image names and references the distribution spec does not allow, before any request', () => {
    expect(actions['list-tags']?.input.safeParse({ image: 'Team/App' }).success).toBe(false);
    expect(actions['list-tags']?.input.safeParse({ image: '../etc' }).success).toBe(false);
    expect(actions['manifest-digest']?.input.safeParse({ image: 'team/app', reference: 'sha256:xyz' }).success).toBe(false);
  });
});
