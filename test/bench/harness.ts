import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { Dispatcher, Pool } from 'undici';
import { createDatabase, freePort, REDIS_URL, RunningProcess, runTs, waitFor } from '../support/processes';
import type { Sample } from './stats';

/**
 * What the dispatch benchmarks share: a control plane started as a process on a fresh database (and a
 * Redis key prefix of its own), delegates started as processes, an HTTP client, and reading a process's RSS.
 */

/** A latency sample that also carries the figures that are not latencies (rates, memory), for the JSON. */
export type BenchSample = Sample & { figures?: Record<string, number | string | boolean> };

/** An HTTP client on a keep-alive pool (lighter than fetch, so the client steals less CPU from the server). */
export class HttpApi {
  private readonly pool: Pool;

  constructor(
    readonly url: string,
    private readonly apiKey: string,
    connections = 128,
  ) {
    this.pool = new Pool(url, { connections, pipelining: 1 });
  }

  /** One request, whatever the answer: its status, headers and body text. */
  async exchange(method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; headers: Dispatcher.ResponseData['headers']; text: string }> {
    const response = await this.pool.request({
      method,
      path: route,
      headers: { authorization: `Bearer ${this.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
  }

  async request<T>(method: 'GET' | 'POST', route: string, body?: unknown, expected = method === 'POST' ? 201 : 200): Promise<T> {
    const { status, text } = await this.exchange(method, route, body);
    if (status !== expected) throw new Error(`${method} ${route}: ${status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(route: string): Promise<T> {
    return this.request<T>('GET', route);
  }

  post<T>(route: string, body: unknown): Promise<T> {
    return this.request<T>('POST', route, body);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

export interface TaskView {
  id: string;
  status: string;
  queuedAt: string;
  offeredAt: string | null;
  claimedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  delegate: { id: string; name: string } | null;
}

export interface BenchControlPlane {
  url: string;
  pid: number;
  home: string;
  databaseUrl: string;
  queue: 'redis' | 'postgres';
  /** The admin API key's client. */
  api: HttpApi;
  /** The account-wide delegate token the control plane wrote for CONDUIT_LOCAL_DELEGATE=1. */
  delegateToken: string;
  process: RunningProcess;
  /** Stops the process, then drops its database, its Redis keys and its home. */
  stop(): Promise<void>;
}

/** A unique Redis key prefix per run, so runs (and other people's tests) sharing the Redis never collide. */
export function uniqueRedisPrefix(what: string): string {
  return `bench-${what}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Deletes every key under `prefix:` (BullMQ's keys are `prefix:queue:…`). */
export async function deleteRedisPrefix(prefix: string): Promise<number> {
  const redis = new IORedis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export async function startControlPlane(options: { queue: 'redis' | 'postgres'; env?: Record<string, string> }): Promise<BenchControlPlane> {
  const db = createDatabase();
  const home = await mkdtemp(path.join(os.tmpdir(), 'conduit-bench-'));
  const redisPrefix = options.queue === 'redis' ? uniqueRedisPrefix('cp') : undefined;
  let server: RunningProcess | undefined;
  let api: HttpApi | undefined;
  const cleanup = async () => {
    await server?.stop();
    await api?.close();
    db.drop();
    if (redisPrefix) await deleteRedisPrefix(redisPrefix);
    await rm(home, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    server = runTs('apps/control-plane/src/main.ts', {
      PORT: String(port),
      HOST: '127.0.0.1',
      CONDUIT_HOME: home,
      DATABASE_URL: db.url,
      CONDUIT_LOCAL_DELEGATE: '1',
      LOG_LEVEL: 'warn',
      ...(redisPrefix ? { REDIS_URL, REDIS_PREFIX: redisPrefix } : {}),
      ...options.env,
    });
    const started = server;
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 'control plane', { process: started });
    const apiKey = (await readFile(path.join(home, 'admin-api-key'), 'utf8')).trim();
    const delegateToken = (await readFile(path.join(home, 'delegate-token'), 'utf8')).trim();
    api = new HttpApi(url, apiKey);
    return { url, pid: started.child.pid as number, home, databaseUrl: db.url, queue: options.queue, api, delegateToken, process: started, stop: cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** The line the delegate logs once the control plane has welcomed it. */
export const CONNECTED_LINE = 'connected to the control plane';

/** Starts a delegate as a process: through @swc-node/register (as in dev), or a compiled main.js when given. */
export function startDelegate(
  cp: BenchControlPlane,
  name: string,
  options: { capacity?: number; keyFile?: string; logLevel?: string; compiledMain?: string } = {},
): RunningProcess {
  const env = {
    CONDUIT_URL: cp.url,
    CONDUIT_DELEGATE_TOKEN: cp.delegateToken,
    DELEGATE_NAME: name,
    DELEGATE_CAPACITY: String(options.capacity ?? 16),
    LOG_LEVEL: options.logLevel ?? 'warn',
    ...(options.keyFile ? { DELEGATE_KEY_FILE: options.keyFile } : {}),
  };
  if (!options.compiledMain) return runTs('apps/delegate/src/main.ts', env);
  return new RunningProcess(
    spawnNode([options.compiledMain], { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', ...env }, path.dirname(options.compiledMain)),
  );
}

export function spawnNode(args: string[], env: Record<string, string>, cwd: string) {
  return spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

interface DelegateListing {
  items: Array<{ name: string; status: string }>;
}

/** Resolves once the control plane lists every one of `names` as connected. */
export async function waitForConnected(cp: BenchControlPlane, names: string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const { items } = await cp.api.get<DelegateListing>('/v1/delegates');
      const connected = new Set(items.filter((d) => d.status === 'connected').map((d) => d.name));
      return names.every((n) => connected.has(n));
    },
    `delegates ${names.join(', ')} connected`,
    { timeoutMs, process: cp.process },
  );
}

/** Resident set size of a process in MiB, from /proc/<pid>/status. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Math.round((Number(match[1]) / 1024) * 10) / 10;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The target, as text (`<= 64 MiB`), and whether the value meets it. */
  target?: string;
  met?: boolean;
}

/** A table for the figures that are not latency percentiles (rates, memory, counts), with the target verdict. */
export function printFigures(title: string, figures: Figure[]): void {
  const header = ['figure', 'value', 'unit', 'target', 'verdict'];
  const rows = figures.map((f) => [f.name, formatNumber(f.value), f.unit, f.target ?? '', f.met === undefined ? '' : f.met ? 'met' : 'MISSED']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((r) => console.log(line(r)));
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat; 0 once it is gone. */
export function cpuMs(pid: number): number {
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] as string).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return 0;
  }
}

/** USER_HZ: /proc reports CPU times in these ticks; 100 on every Linux this runs on. */
const MS_PER_TICK = 10;

/** The whole machine's CPU time so far (all cores), busy and total, in ms, from /proc/stat. */
export function machineCpuMs(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: (total - idle) * MS_PER_TICK, total: total * MS_PER_TICK };
}

/** The PostgreSQL backends serving a database (the control plane's pool, BullMQ's), by pid. */
export async function postgresBackendPids(databaseUrl: string): Promise<number[]> {
  const { Client } = await import('pg');
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    return rows.map((r) => r.pid);
  } finally {
    await db.end();
  }
}

/** The Redis server's pid (it runs on this machine), for its CPU time. */
export async function redisPid(): Promise<number | undefined> {
  const redis = new IORedis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]) || undefined;
  } finally {
    redis.disconnect();
  }
}

/**
 * CPU used by named groups of processes between `start()` and `stop()`, and the machine's busy share: where
 * a run's time went when the machine is saturated. Groups are listed again at each end, so processes that
 * come and go (pooled PostgreSQL backends) are counted while they live; one that exits inside the window
 * takes its time with it (an undercount).
 */
export class CpuMeter {
  private from = new Map<string, Map<number, number>>();
  private to = new Map<string, Map<number, number>>();
  private machineFrom = { busy: 0, total: 0 };
  private machineTo = { busy: 0, total: 0 };

  constructor(private readonly groups: Record<string, () => number[] | Promise<number[]>>) {}

  async start(): Promise<void> {
    this.from = await this.read();
    this.machineFrom = machineCpuMs();
  }

  async stop(): Promise<void> {
    this.to = await this.read();
    this.machineTo = machineCpuMs();
  }

  /** CPU ms per unit of work for each group, and the machine's busy percentage over the interval. */
  per(units: number): { msPerUnit: Record<string, number>; machineBusyPct: number } {
    const msPerUnit: Record<string, number> = {};
    for (const [name, pids] of this.to) {
      const before = this.from.get(name) ?? new Map<number, number>();
      let used = 0;
      for (const [pid, ms] of pids) if (ms > 0) used += ms - (before.get(pid) ?? 0);
      msPerUnit[name] = Math.round((used / Math.max(1, units)) * 100) / 100;
    }
    const busy = this.machineTo.busy - this.machineFrom.busy;
    const total = this.machineTo.total - this.machineFrom.total;
    return { msPerUnit, machineBusyPct: Math.round((busy / Math.max(1, total)) * 100) };
  }

  private async read(): Promise<Map<string, Map<number, number>>> {
    const result = new Map<string, Map<number, number>>();
    for (const [name, list] of Object.entries(this.groups)) result.set(name, new Map((await list()).map((pid) => [pid, cpuMs(pid)])));
    return result;
  }
}

/** Runs a meter over [startInMs, stopInMs) from now, on timers, beside the work being measured. */
export function meterWindow(meter: CpuMeter, startInMs: number, stopInMs: number): { done(): Promise<void>; cancel(): void } {
  let started: Promise<void> | undefined;
  let endWindow: () => void = () => undefined;
  // The work may finish a moment before the stop timer fires (its clock and a busy event loop disagree): wait for it.
  const ended = new Promise<void>((resolve) => (endWindow = resolve));
  const startTimer = setTimeout(() => (started = meter.start()), startInMs);
  const stopTimer = setTimeout(() => endWindow(), stopInMs);
  const stopped = ended.then(() => (started ?? meter.start()).then(() => meter.stop()));
  return {
    done: () => stopped,
    cancel: () => {
      clearTimeout(startTimer);
      clearTimeout(stopTimer);
    },
  };
}
