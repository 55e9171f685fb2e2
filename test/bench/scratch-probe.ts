import { Client } from 'pg';
import { startControlPlane, startDelegate, TaskView, waitForConnected, sleep } from './harness';

async function main() {
  const cp = await startControlPlane({ queue: 'redis' });
  const d = startDelegate(cp, 'probe-0', { capacity: 16 });
  try {
    await waitForConnected(cp, ['probe-0']);
    const db = new Client({ connectionString: cp.databaseUrl });
    await db.connect();
    const name = new URL(cp.databaseUrl).pathname.slice(1);
    const stat = async () => (await db.query(`SELECT xact_commit::int + xact_rollback::int AS x, tup_returned::bigint AS r, tup_fetched::bigint AS f FROM pg_stat_database WHERE datname = $1`, [name])).rows[0] as { x: number };
    for (let i = 0; i < 20; i++) { const t = await cp.api.post<TaskView>('/v1/tasks', { kind: 'noop', payload: {} }); await cp.api.get<TaskView>(`/v1/tasks/${t.id}?wait=true&timeoutMs=10000`); }
    await sleep(1000);
    const idle0 = await stat(); await sleep(5000); const idle1 = await stat();
    const a = await stat();
    const t0 = Date.now();
    const N = 200;
    for (let i = 0; i < N; i++) { const t = await cp.api.post<TaskView>('/v1/tasks', { kind: 'noop', payload: {} }); await cp.api.get<TaskView>(`/v1/tasks/${t.id}?wait=true&timeoutMs=10000`); }
    const el = Date.now() - t0;
    const b = await stat();
    const idleRate = (idle1.x - idle0.x - 1) / 5; // per s, minus our own stat query
    console.log({ idlePerSecond: idleRate, totalTx: b.x - a.x, elapsedMs: el, perTask: ((b.x - a.x - 1 - idleRate * el / 1000) / N).toFixed(1) });
    for (let i = 0; i < 3; i++) { const t = await cp.api.post<TaskView>('/v1/tasks', { kind: 'noop', payload: {} }); const before = await stat(); await cp.api.get<TaskView>(`/v1/tasks/${t.id}?wait=true&timeoutMs=10000`); const after = await stat(); console.log('tx during GET wait (incl. dispatch):', after.x - before.x - 1); }
    for (let i = 0; i < 3; i++) { const before = await stat(); await cp.api.get(`/healthz`); const after = await stat(); console.log('tx during healthz:', after.x - before.x - 1); }
    for (let i = 0; i < 3; i++) { const before = await stat(); await cp.api.get(`/v1/delegates`); const after = await stat(); console.log('tx during GET /v1/delegates:', after.x - before.x - 1); }
    await db.end();
  } finally {
    await d.stop();
    await cp.stop();
  }
}
void main();
