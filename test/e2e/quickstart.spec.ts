import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, getJson, ROOT, RunningProcess, waitFor } from '../support/processes';

interface DelegateList {
  items: Array<{ name: string; status: string; connectedAt: string }>;
}

/**
 * The README's Quick start as a user runs it: `npm start` with nothing configured — embedded PostgreSQL
 * (PGlite) under CONDUIT_HOME, BullMQ on it, and a local delegate.
 */
describe('npm start on the embedded defaults', () => {
  let home: string;
  let port: number;
  let started: RunningProcess | undefined;

  const start = () =>
    new RunningProcess(
      spawn(process.execPath, ['scripts/start.mjs'], {
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', PORT: String(port), CONDUIT_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      }),
    );

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'conduit-quickstart-'));
    port = await freePort();
  });
  afterAll(async () => {
    await started?.stop('SIGTERM', true);
    await rm(home, { recursive: true, force: true });
  });

  it('comes up ready, with an admin key file (0600) and a connected local delegate', async () => {
    started = start();
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, '/readyz', { timeoutMs: 90_000, process: started });
    const ready = await getJson<{ info: { queue: { backend: string } } }>(`${url}/readyz`);
    expect(ready.body.info.queue.backend).toBe('postgres');

    const keyFile = path.join(home, 'admin-api-key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const key = (await readFile(keyFile, 'utf8')).trim();

    const delegates = await waitFor(
      async () => {
        const { body } = await getJson<DelegateList>(`${url}/v1/delegates`, key);
        return body.items.some((d) => d.status === 'connected') && body.items;
      },
      'a connected delegate',
      { process: started },
    );
    expect(delegates).toEqual([expect.objectContaining({ name: expect.stringMatching(/^local-/), status: 'connected' })]);
    const page = await fetch(`${url}/console/`);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(await page.text()).toContain('<div id="app">');
    expect(started.output).toContain('queue backend: postgres');
    expect(started.output).not.toContain(key);
  });

  it('answers a burst of concurrent requests, each with its own result (a console page sends several at once)', async () => {
    const url = `http://127.0.0.1:${port}`;
    const key = (await readFile(path.join(home, 'admin-api-key'), 'utf8')).trim();
    const paths = ['/v1/delegates', '/v1/connectors', '/v1/secrets', '/v1/pipelines', '/v1/tasks', '/v1/connector-catalog'];
    const burst = Array.from({ length: 60 }, (_, i) => paths[i % paths.length] as string);
    const answers = await Promise.all(burst.map(async (p) => ({ path: p, ...(await getJson<{ items?: unknown[] }>(`${url}${p}`, key)) })));
    expect(answers.map((a) => `${a.path} ${a.status} ${Array.isArray(a.body.items)}`)).toEqual(burst.map((p) => `${p} 200 true`));
    expect(started?.output).not.toMatch(/prepared statement|bind message/);
  });

  it('stops both processes on SIGTERM and starts again on the same data without a new admin key', async () => {
    const first = started as RunningProcess;
    await first.stop('SIGTERM', true);
    expect((await first.exited).code).toBe(0);
    const keyBefore = await readFile(path.join(home, 'admin-api-key'), 'utf8');
    const restartedAt = new Date().toISOString();

    started = start();
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, '/readyz after restart', { timeoutMs: 90_000, process: started });
    expect(await readFile(path.join(home, 'admin-api-key'), 'utf8')).toBe(keyBefore);
    await waitFor(
      async () =>
      {
        const { items } = (await getJson<DelegateList>(`${url}/v1/delegates`, keyBefore.trim())).body;
        return items.length > 0 && items.every((d) => d.status === 'connected' && d.connectedAt > restartedAt);
      },
      'the delegate to reconnect',
      { process: started },
    );
    const { body } = await getJson<DelegateList>(`${url}/v1/delegates`, keyBefore.trim());
    expect(body.items).toHaveLength(1);
  });
});
