import { Client } from 'pg';
import type { RunningProcess } from '../support/processes';
import { bullmqThroughput } from './floors';
import { BenchSample, CpuMeter, Figure, meterWindow, postgresBackendPids, printFigures, redisPid, startControlPlane, startDelegate, TaskView, waitForConnected } from './harness';
import { printTable, Sample, summarize } from './stats';

const DELEGATES = 4;
const CAPACITY = 16;
/** Client requests in flight; equal to the delegates' total capacity, so no task waits for a free slot. */
const IN_FLIGHT = 64;
/** A second Redis run with four times the slots and requests: how far more concurrency carries one control plane. */
const WIDE = { capacity: 64, inFlight: 256 };
const WARMUP_MS = 3_000;
const DURATION_MS = 20_000;
const FLOOR_DURATION_MS = 10_000;
const TARGET_PER_SECOND = 3_000;

interface Run {
  sample: BenchSample;
  perSecond: number;
  created: number;
  succeeded: number;
  notSucceeded: Record<string, number>;
  cpu: { msPerUnit: Record<string, number>; machineBusyPct: number };
}

/**
 * Issue target: sustained no-op tasks per second through one control plane and four delegate processes,
 * closed loop: 64 client slots each create a task and wait for its result in one request (POST /v1/tasks?wait=true),
 * for 20 s after a 3 s warm-up.
 * Counted are tasks that succeeded inside the window; afterwards every task ever created must have
 * succeeded (none lost). Run on the Redis queue backend and on the PostgreSQL one; the floor is bare
 * BullMQ at the same concurrency on the same Redis (and on PostgreSQL for the PostgreSQL run).
 */
export async function benchDispatchThroughput(): Promise<Sample[]> {
  const redisFloor = await bullmqThroughput('redis', IN_FLIGHT, FLOOR_DURATION_MS, 1_000);
  const redis = await throughputThroughControlPlane('redis');
  const wide = await throughputThroughControlPlane('redis', WIDE);
  const postgresFloor = await bullmqThroughput('postgres', IN_FLIGHT, FLOOR_DURATION_MS, 1_000);
  const postgres = await throughputThroughControlPlane('postgres');

  const floorSample = (f: typeof redisFloor): BenchSample => ({
    ...f.sample,
    figures: { perSecond: f.perSecond, completed: f.completed, machineBusyPct: f.cpu.machineBusyPct, ...Object.fromEntries(Object.entries(f.cpu.msPerUnit).map(([k, v]) => [`cpuMsPerJob ${k}`, v])) },
  });
  const samples: BenchSample[] = [floorSample(redisFloor), redis.sample, wide.sample, floorSample(postgresFloor), postgres.sample];
  printTable(`dispatch throughput: per-task latency under load (closed loop); ratio is p50 / bare BullMQ on Redis`, samples, redisFloor.sample);
  const lost = (r: Run) => r.created - r.succeeded;
  const figures: Figure[] = [
    { name: 'floor: bare BullMQ on Redis, jobs/s', value: redisFloor.perSecond, unit: '/s' },
    { name: 'control plane, Redis queue: tasks/s', value: redis.perSecond, unit: '/s', target: `>= ${TARGET_PER_SECOND}`, met: redis.perSecond >= TARGET_PER_SECOND },
    { name: '  … as a share of the Redis floor', value: Math.round((redis.perSecond / redisFloor.perSecond) * 1000) / 10, unit: '%' },
    { name: '  … tasks created / not succeeded', value: redis.created, unit: `created, ${lost(redis)} not succeeded`, target: '0 lost', met: lost(redis) === 0 },
    { name: `control plane, Redis queue, ${DELEGATES} × ${WIDE.capacity} slots, ${WIDE.inFlight} in flight: tasks/s`, value: wide.perSecond, unit: '/s', target: `>= ${TARGET_PER_SECOND}`, met: wide.perSecond >= TARGET_PER_SECOND },
    { name: '  … tasks created / not succeeded', value: wide.created, unit: `created, ${lost(wide)} not succeeded`, target: '0 lost', met: lost(wide) === 0 },
    { name: 'floor: bare BullMQ on PostgreSQL, jobs/s', value: postgresFloor.perSecond, unit: '/s' },
    { name: 'control plane, PostgreSQL queue: tasks/s', value: postgres.perSecond, unit: '/s', target: `>= ${TARGET_PER_SECOND}`, met: postgres.perSecond >= TARGET_PER_SECOND },
    { name: '  … as a share of the PostgreSQL floor', value: Math.round((postgres.perSecond / postgresFloor.perSecond) * 1000) / 10, unit: '%' },
    { name: '  … tasks created / not succeeded', value: postgres.created, unit: `created, ${lost(postgres)} not succeeded`, target: '0 lost', met: lost(postgres) === 0 },
  ];
  printFigures(`dispatch throughput: ${DURATION_MS / 1000} s, ${IN_FLIGHT} in flight, ${DELEGATES} delegates × capacity ${CAPACITY}`, figures);
  for (const [name, floor] of [['Redis', redisFloor], ['PostgreSQL', postgresFloor]] as const) {
    const parts = Object.entries(floor.cpu.msPerUnit).map(([who, ms]) => `${who} ${ms}`);
    console.log(`bare BullMQ on ${name}, CPU ms per job: ${parts.join(', ')}; machine busy ${floor.cpu.machineBusyPct}% over the window`);
  }
  for (const [name, run] of [['Redis', redis], [`Redis (${WIDE.inFlight} in flight)`, wide], ['PostgreSQL', postgres]] as const) {
    if (Object.keys(run.notSucceeded).length) console.log(`${name}: tasks not succeeded by status: ${JSON.stringify(run.notSucceeded)}`);
    const parts = Object.entries(run.cpu.msPerUnit).map(([who, ms]) => `${who} ${ms}`);
    const sum = Object.values(run.cpu.msPerUnit).reduce((a, b) => a + b, 0);
    console.log(`${name} queue, CPU ms per succeeded task: ${parts.join(', ')} (sum ${sum.toFixed(1)}); machine busy ${run.cpu.machineBusyPct}% over the window`);
  }
  return samples;
}

async function throughputThroughControlPlane(queue: 'redis' | 'postgres', { capacity, inFlight } = { capacity: CAPACITY, inFlight: IN_FLIGHT }): Promise<Run> {
  const cp = await startControlPlane({ queue });
  const delegates: RunningProcess[] = [];
  try {
    const names = Array.from({ length: DELEGATES }, (_, i) => `bench-throughput-${i}`);
    for (const name of names) delegates.push(startDelegate(cp, name, { capacity }));
    await waitForConnected(cp, names);
    const redis = await redisPid();
    const meter = new CpuMeter({
      'control plane': () => [cp.pid],
      [`${DELEGATES} delegates`]: () => delegates.map((d) => d.child.pid as number),
      'postgres backends': () => postgresBackendPids(cp.databaseUrl),
      ...(queue === 'redis' && redis ? { redis: () => [redis] } : {}),
      'bench client': () => [process.pid],
    });

    const warmEnd = Date.now() + WARMUP_MS;
    const stopAt = warmEnd + DURATION_MS;
    const window = meterWindow(meter, WARMUP_MS, WARMUP_MS + DURATION_MS);
    const latencies: number[] = [];
    const created = new Set<string>();
    let completed = 0;
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (Date.now() < stopAt && failures.length === 0) {
          const t0 = process.hrtime.bigint();
          try {
            let done = await cp.api.post<TaskView>('/v1/tasks?wait=true&timeoutMs=30000', { kind: 'noop', payload: {} });
            created.add(done.id);
            // A wait that times out answers with the task as it is; keep waiting, a slow task is not a lost one.
            for (let i = 0; i < 3 && !['succeeded', 'failed', 'cancelled', 'unknown'].includes(done.status); i++) {
              done = await cp.api.get<TaskView>(`/v1/tasks/${done.id}?wait=true&timeoutMs=30000`);
            }
            const now = Date.now();
            if (done.status === 'succeeded' && now >= warmEnd && now < stopAt) {
              completed++;
              latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
            }
          } catch (error) {
            failures.push((error as Error).message);
          }
        }
      }),
    );
    if (failures.length) {
      window.cancel();
      throw new Error(`${queue}: ${failures.length} request(s) failed, first: ${failures[0]}`);
    }
    await window.done();

    // None lost: every task this run created is in the database, succeeded.
    const db = new Client({ connectionString: cp.databaseUrl });
    await db.connect();
    let succeeded = 0;
    const notSucceeded: Record<string, number> = {};
    try {
      const { rows } = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM tasks WHERE id = ANY($1::uuid[]) GROUP BY status`, [[...created]]);
      for (const { status, n } of rows) {
        if (status === 'succeeded') succeeded = n;
        else notSucceeded[status] = n;
      }
      const { rows: total } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tasks`);
      if (total[0]?.n !== created.size) notSucceeded['in the database but not created by the client (or missing)'] = (total[0]?.n ?? 0) - created.size;
    } finally {
      await db.end();
    }
    const perSecond = Math.round(completed / (DURATION_MS / 1000));
    const cpu = meter.per(completed);
    const sample: BenchSample = {
      ...summarize(`control plane, ${queue} queue, ${inFlight} in flight: POST ?wait=true per task under load`, latencies),
      figures: { perSecond, created: created.size, succeeded, lost: created.size - succeeded, machineBusyPct: cpu.machineBusyPct, ...Object.fromEntries(Object.entries(cpu.msPerUnit).map(([k, v]) => [`cpuMsPerTask ${k}`, v])) },
    };
    return { sample, perSecond, created: created.size, succeeded, notSucceeded, cpu };
  } finally {
    await Promise.all(delegates.map((d) => d.stop()));
    await cp.stop();
  }
}
