import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestControlPlane, TestControlPlane } from '../testing/test-env';

/** The console's files next to the API: static under /console/ only, everything else stays JSON. */
describe('the web console served by the control plane (real PostgreSQL)', () => {
  let cp: TestControlPlane;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'conduit-console-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    cp = await startTestControlPlane({ env: { CONSOLE_DIR: dir } });
  });
  afterAll(async () => {
    await cp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends / to /console/ and serves the page with a same-origin-only policy, without an API key', async () => {
    const root = await fetch(`${cp.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    const page = await fetch(`${cp.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).toContain('<title>console</title>');
  });

  it('serves hashed assets as immutable', async () => {
    const asset = await fetch(`${cp.url}/console/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('keeps 404s JSON, under /console/ and under /v1, and the API still needs its key', async () => {
    for (const route of ['/console/nope.js', '/v1/nope', '/nope']) {
      const response = await fetch(`${cp.url}${route}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect((await fetch(`${cp.url}/v1/connectors`)).status).toBe(401);
  });

  it('does not serve files outside its directory', async () => {
    const response = await fetch(`${cp.url}/console/..%2f..%2fetc%2fpasswd`);
    expect(response.status).toBe(404);
  });
});
