import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDatabase, freePort, REDIS_URL, ROOT, RunningProcess, waitFor } from '../support/processes';
import { HttpApi, TaskView, BenchControlPlane, startDelegate, waitForConnected, deleteRedisPrefix } from './harness';

async function main() {
  const db = createDatabase();
  const home = await mkdtemp(path.join(os.tmpdir(), 'conduit-prof-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const prefix = `bench-prof-${process.pid}`;
  const server = new RunningProcess(spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof', '-r', '@swc-node/register', 'apps/control-plane/src/main.ts'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), PORT: String(port), HOST: '127.0.0.1', CONDUIT_HOME: home, DATABASE_URL: db.url, CONDUIT_LOCAL_DELEGATE: '1', LOG_LEVEL: 'warn', REDIS_URL, REDIS_PREFIX: prefix },
  }));
  await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 'cp', { process: server });
  const api = new HttpApi(url, (await readFile(path.join(home, 'admin-api-key'), 'utf8')).trim());
  const cp = { url, api, delegateToken: (await readFile(path.join(home, 'delegate-token'), 'utf8')).trim(), process: server } as unknown as BenchControlPlane;
  const d = startDelegate(cp, 'prof-0', { capacity: 16 });
  await waitForConnected(cp, ['prof-0']);
  const xs: number[] = [];
  for (let i = 0; i < 400; i++) {
    const t0 = process.hrtime.bigint();
    const t = await api.post<TaskView>('/v1/tasks', { kind: 'noop', payload: {} });
    await api.get<TaskView>(`/v1/tasks/${t.id}?wait=true&timeoutMs=10000`);
    xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  xs.sort((a, b) => a - b);
  console.log('p50', xs[200]);
  await d.stop();
  await server.stop('SIGINT');
  await api.close();
  db.drop();
  await deleteRedisPrefix(prefix);
  await rm(home, { recursive: true, force: true });
}
void main();
