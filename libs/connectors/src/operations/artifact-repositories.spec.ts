import { createServer, Server } from 'node:http';
import { validateConnectorSpec } from '../catalog';
import { azureArtifactsOperations, azureFeedsBase, httpHelmRepoOperations } from './artifact-repositories';
import { testContext } from './testing';

/** A loopback server whose answers each test scripts: status, headers and body per request, in order. */
let server: Server;
let base: string;
let script: Array<{ status: number; headers?: Record<string, string>; body: string }> = [];
const paths: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const next = script.shift() ?? { status: 500, body: 'unscripted' };
    res.writeHead(next.status, next.headers ?? {});
    res.end(next.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());
beforeEach(() => {
  script = [];
  paths.length = 0;
});

const validated = (type: string, raw: Record<string, unknown>) => {
  const v = validateConnectorSpec(type, raw);
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return v.spec;
};

describe('azureFeedsBase', () => {
  it('moves Azure DevOps Services organizations to their feeds host and keeps a server collection as it is', () => {
    expect(azureFeedsBase('https://dev.azure.com/contoso/')).toBe('https://feeds.dev.azure.com/contoso');
    expect(azureFeedsBase('https://contoso.visualstudio.com')).toBe('https://contoso.feeds.visualstudio.com');
    expect(azureFeedsBase('https://tfs.corp.example/tfs/DefaultCollection')).toBe('https://tfs.corp.example/tfs/DefaultCollection');
  });
});

describe('AzureArtifacts connector test (loopback server)', () => {
  const spec = () => validated('AzureArtifacts', { azureArtifactsUrl: `${base}/contoso`, auth: { spec: { type: 'PersonalAccessToken', spec: { tokenRef: 'pat' } } } });

  it('treats the 203 sign-in page Azure DevOps gives for a refused token as an authentication failure', async () => {
    script = [{ status: 203, headers: { 'content-type': 'text/html' }, body: '<html>Sign In</html>' }];
    await expect(azureArtifactsOperations.test(testContext(spec(), { pat: 'pat-canary' }).ctx)).rejects.toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(paths).toEqual(['/contoso/_apis/packaging/feeds?api-version=7.1']);
  });
});

describe('HttpHelmRepo connector test (loopback server)', () => {
  const spec = () => validated('HttpHelmRepo', { helmRepoUrl: base, auth: { type: 'Anonymous' } });
  const index = 'apiVersion: v1\nentries:\n  app:\n  - name: app\n    version: 1.0.0\n    digest: abc\ngenerated: "2026-01-01T00:00:00Z"\n';

  it('retries a 503 with Retry-After, then reads the index', async () => {
    script = [{ status: 503, headers: { 'retry-after': '0' }, body: 'busy' }, { status: 200, body: index }];
    const { ctx, logs } = testContext(spec());
    const outcome = await httpHelmRepoOperations.test(ctx);
    expect(outcome.details).toMatchObject({ charts: 1, generated: '2026-01-01T00:00:00Z' });
    expect(paths).toEqual(['/index.yaml', '/index.yaml']);
    expect(logs[0]).toContain('answered 503; retrying');
  });

  it('does not retry a 404, and says where index.yaml belongs', async () => {
    script = [{ status: 404, body: 'Not Found' }];
    await expect(httpHelmRepoOperations.test(testContext(spec()).ctx)).rejects.toMatchObject({ code: 'INDEX_NOT_FOUND', stage: 'operation' });
    expect(paths).toHaveLength(1);
  });

  it('refuses a 200 that is not a Helm index (a login page, another YAML file)', async () => {
    script = [{ status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Log in</body></html>' }];
    await expect(httpHelmRepoOperations.test(testContext(spec()).ctx)).rejects.toMatchObject({ code: 'NOT_A_HELM_INDEX' });
    script = [{ status: 200, body: 'apiVersion: v2\nname: app\n' }];
    await expect(httpHelmRepoOperations.test(testContext(spec()).ctx)).rejects.toMatchObject({ code: 'NOT_A_HELM_INDEX' });
  });
});
