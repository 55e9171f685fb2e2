import { Client } from 'pg';
import type { RunningProcess } from '../support/processes';
import { openBullmqProbe, openWsEcho, sumOf } from './floors';
import { BenchSample, sleep, startControlPlane, startDelegate, TaskView, waitForConnected } from './harness';
import { printTable, Sample, summarize } from './stats';

const DELEGATES = 4;
const CAPACITY = 16;
const N = 500;
const WARMUP = 50;
/** The cases take turns in blocks of this many, so a noisy neighbour hurts them all alike. */
const BLOCK = 50;

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const between = (a: string | null, b: string | null) => (a && b ? Date.parse(b) - Date.parse(a) : NaN);

/**
 * Issue target: a no-op task's enqueue → result latency through one control plane (Redis queue) and four
 * delegate processes, sequential, as a client sees it — in one request (POST /v1/tasks?wait=true) and in two
 * (POST /v1/tasks, then GET …?wait=true) — with the server's own queued → finished time beside it. Floors in the same run: a bare BullMQ round trip, a bare
 * ws echo, their sum, and GET /healthz on the same control plane.
 */
export async function benchDispatchLatency(): Promise<Sample[]> {
  const cp = await startControlPlane({ queue: 'redis' });
  const delegates: RunningProcess[] = [];
  let bull: Awaited<ReturnType<typeof openBullmqProbe>> | undefined;
  let ws: Awaited<ReturnType<typeof openWsEcho>> | undefined;
  let db: Client | undefined;
  try {
    const names = Array.from({ length: DELEGATES }, (_, i) => `bench-latency-${i}`);
    for (const name of names) delegates.push(startDelegate(cp, name, { capacity: CAPACITY }));
    await waitForConnected(cp, names);
    bull = await openBullmqProbe();
    ws = await openWsEcho();
    db = new Client({ connectionString: cp.databaseUrl });
    await db.connect();
    await db.query(`CREATE TABLE bench_floor (id int PRIMARY KEY, n int NOT NULL); INSERT INTO bench_floor VALUES (1, 0)`);
    const probes = { bull, ws, db };

    const v = {
      health: [] as number[],
      bullRoundTrip: [] as number[],
      bullOneWay: [] as number[],
      ws: [] as number[],
      client: [] as number[],
      oneRequest: [] as number[],
      post: [] as number[],
      wait: [] as number[],
      server: [] as number[],
      toOffered: [] as number[],
      toClaimed: [] as number[],
      toStarted: [] as number[],
      toFinished: [] as number[],
      sql: [] as number[],
    };
    const delegatesUsed = new Map<string, number>();
    const task = async (record: boolean) => {
      const t0 = process.hrtime.bigint();
      const created = await cp.api.post<TaskView>('/v1/tasks', { kind: 'noop', payload: {} });
      const posted = ms(t0);
      const done = await cp.api.get<TaskView>(`/v1/tasks/${created.id}?wait=true&timeoutMs=10000`);
      const total = ms(t0);
      if (done.status !== 'succeeded') throw new Error(`task ${done.id} ended ${done.status}: ${JSON.stringify(done)}`);
      if (!record) return;
      v.client.push(total);
      v.post.push(posted);
      v.wait.push(total - posted);
      v.server.push(between(done.queuedAt, done.finishedAt));
      v.toOffered.push(between(done.queuedAt, done.offeredAt));
      v.toClaimed.push(between(done.offeredAt, done.claimedAt));
      v.toStarted.push(between(done.claimedAt, done.startedAt));
      v.toFinished.push(between(done.startedAt, done.finishedAt));
      const who = done.delegate?.name ?? '?';
      delegatesUsed.set(who, (delegatesUsed.get(who) ?? 0) + 1);
    };
    const taskInOneRequest = async (record: boolean) => {
      const t0 = process.hrtime.bigint();
      const done = await cp.api.post<TaskView>('/v1/tasks?wait=true&timeoutMs=10000', { kind: 'noop', payload: {} });
      if (done.status !== 'succeeded') throw new Error(`task ${done.id} ended ${done.status}: ${JSON.stringify(done)}`);
      if (record) v.oneRequest.push(ms(t0));
    };
    const health = async (record: boolean) => {
      const t0 = process.hrtime.bigint();
      await cp.api.get('/healthz');
      if (record) v.health.push(ms(t0));
    };
    const bullmq = async (record: boolean) => {
      const t = await probes.bull.once();
      if (record) {
        v.bullRoundTrip.push(t.roundTripMs);
        v.bullOneWay.push(t.oneWayMs);
      }
    };
    const echo = async (record: boolean) => {
      const t = await probes.ws.once();
      if (record) v.ws.push(t);
    };
    const sql = async (record: boolean) => {
      const t0 = process.hrtime.bigint();
      await probes.db.query('UPDATE bench_floor SET n = n + 1 WHERE id = 1');
      if (record) v.sql.push(ms(t0));
    };
    const cases = [health, bullmq, echo, sql, task, taskInOneRequest];
    for (const run of cases) for (let i = 0; i < WARMUP; i++) await run(false);
    for (let done = 0; done < N; done += BLOCK) for (const run of cases) for (let i = 0; i < BLOCK; i++) await run(true);

    const a = summarize('(a) floor: bare BullMQ job round trip (add → Worker → QueueEvents completed)', v.bullRoundTrip);
    const b = summarize('(b) floor: bare ws echo round trip (separate process)', v.ws);
    const floor = sumOf('(c) floor: (a) + (b), percentile-wise', a, b);
    const d = summarize('(d) floor: GET /healthz (same control plane)', v.health);
    const e = summarize('(e) floor: one PostgreSQL statement (single-row UPDATE, autocommit, pg)', v.sql);
    const perTask = await transactionsPerTask(probes.db, task);
    const oneRequest = summarize('no-op task: POST /v1/tasks?wait=true (client, one request)', v.oneRequest);
    const client: BenchSample = {
      ...summarize('no-op task: POST /v1/tasks + GET ?wait=true (client, two requests)', v.client),
      figures: { delegatesUsed: [...delegatesUsed].map(([n, c]) => `${n}:${c}`).join(' '), postgresTransactionsPerTask: perTask.transactions, taskEventsPerTask: perTask.events },
    };
    const samples: Sample[] = [
      a,
      summarize('    bare BullMQ add → Worker starts the job (one way)', v.bullOneWay),
      b,
      floor,
      d,
      e,
      oneRequest,
      client,
      summarize('  … POST /v1/tasks alone (insert and route in one statement, offer queued)', v.post),
      summarize('  … GET ?wait=true alone', v.wait),
      summarize('server: queuedAt → finishedAt (1 ms resolution)', v.server),
      summarize('  … queued → offered (routed in the INSERT: 0 unless it waited)', v.toOffered),
      summarize('  … offered → claimed (offer job → replica worker → socket, claim back)', v.toClaimed),
      summarize('  … claimed → started (claim UPDATE, lease, the delegate starts)', v.toStarted),
      summarize('  … started → finished (run, then the result and its events in one statement)', v.toFinished),
    ];
    printTable(
      `dispatch latency: no-op tasks one at a time, ${DELEGATES} delegates × capacity ${CAPACITY}, Redis queue (target p50 <= 5 ms and <= 3x floor (c), p99 <= 25 ms); ratio is p50 / floor (c)`,
      samples,
      floor,
    );
    console.log(
      `PostgreSQL transactions per no-op task (pg_stat_database, idle background subtracted): ${perTask.transactions}; task_events rows per task: ${perTask.events}`,
    );
    console.log(`tasks per delegate: ${[...delegatesUsed].map(([n, c]) => `${n} ${c}`).join(', ')}`);
    for (const [flow, s] of [['one request', oneRequest], ['two requests', client]] as const) {
      console.log(
        `verdict (${flow}): p50 ${s.p50} ms (target <= 5: ${s.p50 <= 5 ? 'met' : 'MISSED'}), ${(s.p50 / floor.p50).toFixed(2)}x floor (c) (target <= 3x: ${s.p50 <= 3 * floor.p50 ? 'met' : 'MISSED'}), p99 ${s.p99} ms (target <= 25: ${s.p99 <= 25 ? 'met' : 'MISSED'})`,
      );
    }
    return samples;
  } finally {
    await db?.end();
    await bull?.close();
    await ws?.close();
    await Promise.all(delegates.map((d) => d.stop()));
    await cp.stop();
  }
}

/**
 * Counts the database transactions one task costs: pg_stat_database's commits over a batch of tasks, minus
 * the idle rate (sweeper, heartbeats) measured just before. The statistics are flushed about once a second,
 * hence the pauses.
 */
async function transactionsPerTask(db: Client, task: (record: boolean) => Promise<void>): Promise<{ transactions: number; events: number }> {
  const commits = async () => {
    const { rows } = await db.query<{ n: string }>(`SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()`);
    return Number(rows[0]?.n);
  };
  const tasks = 100;
  await sleep(1500);
  const idleFrom = await commits();
  await sleep(3000);
  const idleTo = await commits();
  const idleRate = (idleTo - idleFrom - 1) / 3000;
  const started = Date.now();
  for (let i = 0; i < tasks; i++) await task(false);
  const elapsed = Date.now() - started;
  await sleep(1500);
  const after = await commits();
  const transactions = (after - idleTo - 1 - idleRate * (elapsed + 1500)) / tasks;
  const { rows } = await db.query<{ n: string }>(`SELECT (SELECT count(*) FROM task_events)::float / greatest(1, (SELECT count(*) FROM tasks)) AS n`);
  return { transactions: Math.round(transactions * 10) / 10, events: Number(rows[0]?.n) };
}
