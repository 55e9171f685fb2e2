import { randomUUID } from 'node:crypto';
import { createPostgresBackend, Queue, QueueEvents, Worker } from 'bullmq';
import IORedis from 'ioredis';
import WebSocket from 'ws';
import { createDatabase, REDIS_URL, runTs, waitFor } from '../support/processes';
import { CpuMeter, deleteRedisPrefix, meterWindow, postgresBackendPids, redisPid, sleep, uniqueRedisPrefix } from './harness';
import { Sample, summarize } from './stats';

/**
 * Floors the dispatch benchmarks compare against, measured in the same run on the same Redis/PostgreSQL:
 * bare BullMQ (what the control plane uses between routing and the offer) and a bare WebSocket echo (the
 * control plane ↔ delegate hop), with none of Conduit's code in the path.
 */

/** A job like the control plane's offer job: ids only. */
const jobData = () => ({ op: 'offer', taskId: randomUUID(), attempt: 1 });

interface FloorQueue {
  /** Adds a job; resolves once BullMQ has accepted it. */
  add(jobId: string): Promise<unknown>;
  /** Called when the worker starts the job / when QueueEvents reports it completed. */
  onStarted(listener: (jobId: string) => void): void;
  onCompleted(listener: (jobId: string) => void): void;
  /** The worker's own 'completed' event (same process): the job is marked completed in the backend. */
  onWorkerCompleted(listener: (jobId: string) => void): void;
  close(): Promise<void>;
  /** The database the PostgreSQL backend runs in (for its backends' CPU time). */
  databaseUrl?: string;
}

/** Queue + Worker + QueueEvents on one queue, configured the way apps/control-plane/src/queue does it. */
async function openFloorQueue(backend: 'redis' | 'postgres', concurrency: number): Promise<FloorQueue> {
  const started = new Set<(jobId: string) => void>();
  const completed = new Set<(jobId: string) => void>();
  const workerCompleted = new Set<(jobId: string) => void>();
  const processor = async (job: { id?: string | undefined }) => {
    for (const listener of started) listener(job.id as string);
    return { ok: true };
  };
  const name = 'floor';
  const options = { jobId: '', removeOnComplete: true, removeOnFail: 1000 };
  if (backend === 'redis') {
    const prefix = uniqueRedisPrefix('floor');
    const connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    const eventsConnection = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(name, { connection, prefix });
    const worker = new Worker(name, processor, { connection, prefix, concurrency });
    worker.on('completed', (job) => workerCompleted.forEach((listener) => listener(job.id as string)));
    const events = new QueueEvents(name, { connection: eventsConnection, prefix });
    events.on('completed', ({ jobId }) => completed.forEach((listener) => listener(jobId)));
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady(), events.waitUntilReady()]);
    return {
      add: (jobId) => queue.add('offer', jobData(), { ...options, jobId }),
      onStarted: (listener) => started.add(listener),
      onCompleted: (listener) => completed.add(listener),
      onWorkerCompleted: (listener) => workerCompleted.add(listener),
      close: async () => {
        await Promise.allSettled([worker.close(), events.close(), queue.close()]);
        connection.disconnect();
        eventsConnection.disconnect();
        await deleteRedisPrefix(prefix);
      },
    };
  }
  const db = createDatabase();
  const connection = () => ({ connectionString: db.url, schema: 'bullmq', migrate: true });
  const queue = new Queue(name, { connection: connection() }, createPostgresBackend);
  await queue.waitUntilReady(); // migrates the schema once, before the others connect
  const worker = new Worker(name, processor, { connection: connection(), concurrency }, createPostgresBackend);
  worker.on('completed', (job) => workerCompleted.forEach((listener) => listener(job.id as string)));
  const events = new QueueEvents(name, { connection: connection() }, createPostgresBackend);
  events.on('completed', ({ jobId }) => completed.forEach((listener) => listener(jobId)));
  await Promise.all([worker.waitUntilReady(), events.waitUntilReady()]);
  return {
    add: (jobId) => queue.add('offer', jobData(), { ...options, jobId }),
    onStarted: (listener) => started.add(listener),
    onCompleted: (listener) => completed.add(listener),
    onWorkerCompleted: (listener) => workerCompleted.add(listener),
    close: async () => {
      await Promise.allSettled([worker.close(), events.close(), queue.close()]);
      db.drop();
    },
    databaseUrl: db.url,
  };
}

/**
 * Waits for per-job signals by id; the waiter is registered before the job is added, so none is missed by
 * us. A signal that never comes (BullMQ lost it) fails after `timeoutMs` instead of hanging the run.
 */
function signals(what: string, subscribe: (listener: (jobId: string) => void) => void, timeoutMs = 10_000) {
  const waiting = new Map<string, () => void>();
  subscribe((jobId) => {
    waiting.get(jobId)?.();
    waiting.delete(jobId);
  });
  return (jobId: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(jobId);
        reject(new Error(`job ${jobId}: no ${what} signal within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(jobId, () => {
        clearTimeout(timer);
        resolve();
      });
    });
}

/** Times one BullMQ job at a time: add → the worker starts it (one way, what dispatch contains) and add → QueueEvents says completed (the round trip). */
export async function openBullmqProbe(): Promise<{ once(): Promise<{ oneWayMs: number; roundTripMs: number }>; close(): Promise<void> }> {
  const floor = await openFloorQueue('redis', 256);
  const startedOf = signals('worker started', (l) => floor.onStarted(l));
  const completedOf = signals('QueueEvents completed', (l) => floor.onCompleted(l));
  return {
    once: async () => {
      const jobId = randomUUID();
      const started = startedOf(jobId);
      const completed = completedOf(jobId);
      const t0 = process.hrtime.bigint();
      await floor.add(jobId);
      await started;
      const t1 = process.hrtime.bigint();
      await completed;
      const t2 = process.hrtime.bigint();
      return { oneWayMs: Number(t1 - t0) / 1e6, roundTripMs: Number(t2 - t0) / 1e6 };
    },
    close: () => floor.close(),
  };
}

/**
 * Closed-loop BullMQ throughput: `concurrency` slots each add a job and wait for the worker's 'completed'
 * (not QueueEvents: on BullMQ's PostgreSQL backend QueueEvents drops some completed events, and both
 * backends are measured the same way), for `durationMs` after `warmupMs`. Returns the per-job latency and
 * the completed jobs per second.
 */
export async function bullmqThroughput(
  backend: 'redis' | 'postgres',
  concurrency: number,
  durationMs: number,
  warmupMs: number,
): Promise<{ sample: Sample; perSecond: number; completed: number; cpu: ReturnType<CpuMeter['per']> }> {
  const floor = await openFloorQueue(backend, 256);
  try {
    const { databaseUrl } = floor;
    const redis = await redisPid();
    const store = databaseUrl ? () => postgresBackendPids(databaseUrl) : () => (redis ? [redis] : []);
    const meter = new CpuMeter({ 'bench process (producer + worker)': () => [process.pid], [databaseUrl ? 'postgres backends' : 'redis']: store });
    const window = meterWindow(meter, warmupMs, warmupMs + durationMs);
    const completedOf = signals('worker completed', (l) => floor.onWorkerCompleted(l));
    const warmEnd = Date.now() + warmupMs;
    const stopAt = warmEnd + durationMs;
    const latencies: number[] = [];
    let completed = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < stopAt) {
          const jobId = randomUUID();
          const done = completedOf(jobId);
          const t0 = process.hrtime.bigint();
          await floor.add(jobId);
          await done;
          const now = Date.now();
          if (now >= warmEnd && now < stopAt) {
            completed++;
            latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          }
        }
      }),
    );
    await window.done();
    return {
      sample: summarize(`floor: bare BullMQ (${backend}), ${concurrency} in flight, job latency`, latencies),
      perSecond: Math.round(completed / (durationMs / 1000)),
      completed,
      cpu: meter.per(completed),
    };
  } finally {
    await floor.close();
  }
}

/** Times a frame the size of an offer (ids, a small payload) echoed by a separate process over loopback. */
export async function openWsEcho(): Promise<{ once(): Promise<number>; close(): Promise<void> }> {
  const server = runTs('test/bench/ws-echo-server.ts', {});
  try {
    const port = await waitFor(async () => /listening (\d+)/.exec(server.output)?.[1], 'ws echo server', { process: server });
    const socket = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    let pending: (() => void) | undefined;
    socket.on('message', () => pending?.());
    const frame = JSON.stringify({ type: 'task_offer', taskId: randomUUID(), kind: 'noop', attempt: 1, mutating: false, timeoutMs: 10_000, payload: {}, secrets: [] });
    return {
      once: async () => {
        const t0 = process.hrtime.bigint();
        await new Promise<void>((resolve) => {
          pending = resolve;
          socket.send(frame);
        });
        return Number(process.hrtime.bigint() - t0) / 1e6;
      },
      close: async () => {
        socket.close();
        await sleep(50);
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** The sum of two floors, percentile by percentile (not the percentile of a summed distribution: a rough floor). */
export function sumOf(name: string, a: Sample, b: Sample): Sample {
  const round = (v: number) => Math.round(v * 100) / 100;
  return { name, unit: 'ms', n: Math.min(a.n, b.n), p50: round(a.p50 + b.p50), p90: round(a.p90 + b.p90), p99: round(a.p99 + b.p99), max: round(a.max + b.max) };
}
