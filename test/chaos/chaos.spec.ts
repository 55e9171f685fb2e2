import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { startOwnPostgres, startOwnRedis, OwnPostgres, OwnRedis } from '../support/own-services';
import { freePort, runTs, RunningProcess, waitFor } from '../support/processes';
import { startTcpProxy } from '../support/tcp-proxy';

type Kind = 'noop' | 'echo' | 'sleep' | 'sleep-mutating';
type Sample = { sentAt: number; answeredAt: number; replica: string; route: string; status: number | 'network'; body: string };
type TaskRow = { id: string; kind: string; mutating: boolean; status: string; attempt: number; claims: number; delegate_name: string | null; error: { code: string } | null };

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'unknown'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Chaos under a mixed load, all real processes: two control-plane replicas behind a loopback TCP balancer,
 * four delegates, and a PostgreSQL and Redis of this test's own (the shared ones are never touched).
 * While tasks keep arriving: kill -9 delegates (replacements start), kill -9 a replica (restarted), restart
 * Redis (its keys are gone: no persistence), stop PostgreSQL for 20 s. Then every task must be terminal,
 * none lost, none run twice — judged from the delegates' own logs of what they started — and the API must
 * have answered 503 with a JSON body while a dependency was down, and recovered without a restart.
 */
describe('chaos: faults under mixed load (real processes, own PostgreSQL and Redis)', () => {
  let pg: OwnPostgres;
  let redis: OwnRedis;
  let home: string;
  let apiKey: string;
  let proxy: { port: number; stop(): Promise<void> };
  const replicas = new Map<string, { port: number; process: RunningProcess }>();
  /** Every delegate process ever started, killed ones included: their output is the record of what ran. */
  const delegates: Array<{ name: string; process: RunningProcess }> = [];

  const timings = {
    TASK_LEASE_MS: '3000',
    TASK_CLAIM_TIMEOUT_MS: '2000',
    TASK_SWEEP_INTERVAL_MS: '250',
    DELEGATE_HEARTBEAT_INTERVAL_MS: '1000',
  };

  const startReplica = async (id: string, port: number) => {
    const process = runTs('apps/control-plane/src/main.ts', {
      ...timings,
      PORT: String(port),
      CONDUIT_HOME: home,
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'conduit-chaos',
      REPLICA_ID: id,
      CONDUIT_LOCAL_DELEGATE: '1',
      CONDUIT_MASTER_KEYS: 'mk-chaos:' + Buffer.alloc(32, 9).toString('base64url'),
      LOG_LEVEL: 'warn',
    });
    replicas.set(id, { port, process });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, `replica ${id}`, { process });
  };

  const startDelegate = (name: string) => {
    const process = runTs('apps/delegate/src/main.ts', {
      CONDUIT_URL: `http://127.0.0.1:${proxy.port}`,
      CONDUIT_DELEGATE_TOKEN_FILE: path.join(home, 'delegate-token'),
      DELEGATE_NAME: name,
      DELEGATE_TAGS: 'chaos',
      DELEGATE_KEY_FILE: path.join(home, 'delegate-default.key'),
      DELEGATE_CAPACITY: '4',
    });
    delegates.push({ name, process });
    return process;
  };

  const call = async (replica: string, method: string, route: string, body?: unknown): Promise<Sample> => {
    const { port } = replicas.get(replica) as { port: number };
    const sentAt = Date.now();
    try {
      const response = await fetch(`http://127.0.0.1:${port}${route}`, {
        method,
        headers: { Authorization: `Bearer ${apiKey}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
      return { sentAt, answeredAt: Date.now(), replica, route, status: response.status, body: await response.text() };
    } catch (error) {
      return { sentAt, answeredAt: Date.now(), replica, route, status: 'network', body: (error as Error).message };
    }
  };

  const sql = async <T>(query: string): Promise<T[]> => {
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    try {
      return (await client.query(query)).rows as T[];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startOwnPostgres('conduit_chaos'), startOwnRedis()]);
    home = await mkdtemp(path.join(os.tmpdir(), 'conduit-chaos-'));
    const [a, b] = [await freePort(), await freePort()];
    await startReplica('cp-a', a);
    await startReplica('cp-b', b);
    proxy = await startTcpProxy([a, b]);
    apiKey = (await readFile(path.join(home, 'admin-api-key'), 'utf8')).trim();
  });
  afterAll(async () => {
    for (const { process } of delegates) await process.stop('SIGKILL');
    for (const { process } of replicas.values()) await process.stop('SIGKILL');
    await proxy?.stop();
    await redis?.stop();
    pg?.destroy();
    await rm(home, { recursive: true, force: true });
  });

  it('finishes every task exactly as often as it may run, answers 503 while a dependency is down, and recovers by itself', async () => {
    for (let i = 1; i <= 4; i++) startDelegate(`chaos-${i}`);
    await waitFor(async () => {
      const listed = await call('cp-a', 'GET', '/v1/delegates');
      const items = (JSON.parse(listed.body) as { items: Array<{ status: string }> }).items;
      return items.filter((d) => d.status === 'connected').length >= 4;
    }, 'four delegates connected');

    // The load: one task every 100 ms through alternating replicas, a mix of read-only and mutating kinds.
    const created: Array<{ id: string; kind: Kind }> = [];
    const loadAnswers: Sample[] = [];
    let loading = true;
    const load = (async () => {
      const kinds: Kind[] = ['noop', 'echo', 'sleep', 'sleep-mutating'];
      for (let n = 0; loading; n++) {
        const kind = kinds[n % kinds.length] as Kind;
        const payload = kind === 'echo' ? { text: `chaos ${n}\n` } : kind.startsWith('sleep') ? { ms: 200 + ((n * 137) % 1800) } : {};
        const replica = replicas.get('cp-b')?.process.alive && n % 2 ? 'cp-b' : 'cp-a';
        const answer = await call(replica, 'POST', '/v1/tasks', { kind, payload, selectors: ['chaos'], queueTimeoutMs: 600_000 });
        loadAnswers.push(answer);
        if (answer.status === 201) created.push({ id: (JSON.parse(answer.body) as { id: string }).id, kind });
        await sleep(100);
      }
    })();

    // The probe: cp-a (never killed) is asked for a task list and to create a task, continuously.
    const samples: Sample[] = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        samples.push(await call('cp-a', 'GET', '/v1/tasks?limit=1'));
        samples.push(await call('cp-a', 'GET', '/v1/delegates'));
        samples.push(await call('cp-a', 'GET', '/readyz'));
        await sleep(200);
      }
    })();

    // A delegate is killed while it runs a task of the given kind that has most of its sleep still ahead.
    let next = 5;
    const killDelegateRunning = async (kind: Kind) => {
      const [victim] = await waitFor(
        () =>
          sql<{ delegate_name: string }>(
            `SELECT delegate_name FROM tasks WHERE status = 'running' AND kind = '${kind}' AND (payload->>'ms')::int >= 1000 AND started_at > now() - interval '300 milliseconds' LIMIT 1`,
          ).then((rows) => rows.length > 0 && rows),
        `a delegate running ${kind}`,
      );
      const target = delegates.find((d) => d.name === victim?.delegate_name && d.process.alive) as { process: RunningProcess };
      await target.process.stop('SIGKILL');
      startDelegate(`chaos-${next++}`);
    };

    await sleep(5_000);
    await killDelegateRunning('sleep-mutating');
    await sleep(4_000);
    await replicas.get('cp-b')?.process.stop('SIGKILL');
    await sleep(3_000);
    await startReplica('cp-b', replicas.get('cp-b')?.port as number);
    await sleep(4_000);
    await killDelegateRunning('sleep');
    await sleep(2_000);

    await redis.kill();
    const redisDown = Date.now();
    await sleep(5_000);
    const redisStarting = Date.now();
    await redis.start();
    await sleep(6_000);

    pg.stop();
    const pgDown = Date.now();
    await sleep(20_000);
    const pgStarting = Date.now();
    pg.start();
    const pgUp = Date.now();

    // Recovered by itself: both replicas (never restarted since) answer the API again.
    await waitFor(async () => (await call('cp-a', 'GET', '/v1/tasks?limit=1')).status === 200 && (await call('cp-b', 'GET', '/v1/tasks?limit=1')).status === 200, 'the API after PostgreSQL came back');
    await sleep(4_000);
    await killDelegateRunning('sleep-mutating');
    await sleep(4_000);
    loading = false;
    await load;

    // Every task the database knows — including any whose 201 was lost on the way — ends terminal.
    await waitFor(async () => {
      const open = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM tasks WHERE status NOT IN ('succeeded', 'failed', 'cancelled', 'unknown')`);
      return open[0]?.n === 0;
    }, 'every task terminal', { timeoutMs: 90_000 });
    probing = false;
    await probe;

    // Both replicas ready, the restarted one and the one that lived through the outages.
    for (const [id, { port, process }] of replicas) {
      expect({ id, alive: process.alive }).toEqual({ id, alive: true });
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    }

    const rows = await sql<TaskRow>(`SELECT id, kind, mutating, status, attempt, claims, delegate_name, error FROM tasks`);
    const byId = new Map(rows.map((r) => [r.id, r]));

    // None lost: every task the API accepted is in the database, terminal.
    expect(created.length).toBeGreaterThan(100);
    expect(created.filter((t) => !byId.has(t.id))).toEqual([]);
    expect(rows.filter((r) => !TERMINAL.includes(r.status))).toEqual([]);

    // What the delegates themselves say they started and finished (killed ones included).
    const started = new Map<string, string[]>();
    const finished = new Map<string, string[]>();
    for (const { name, process } of delegates) {
      for (const line of process.output.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; taskId?: string; status?: string };
        if (!entry.taskId) continue;
        if (entry.msg === 'task started') started.set(entry.taskId, [...(started.get(entry.taskId) ?? []), name]);
        if (entry.msg === 'task finished' && entry.status === 'succeeded') finished.set(entry.taskId, [...(finished.get(entry.taskId) ?? []), name]);
      }
    }
    const mutating = rows.filter((r) => r.mutating);
    const readOnly = rows.filter((r) => !r.mutating);
    expect(mutating.length).toBeGreaterThan(25);

    // Mutating: never started twice; succeeded means started once, by the delegate the record names;
    // a lost lease leaves it `unknown`, never re-run.
    expect(mutating.filter((r) => (started.get(r.id)?.length ?? 0) > 1)).toEqual([]);
    expect(mutating.filter((r) => !['succeeded', 'unknown'].includes(r.status))).toEqual([]);
    expect(mutating.filter((r) => r.status === 'succeeded' && started.get(r.id)?.[0] !== r.delegate_name)).toEqual([]);
    expect(mutating.filter((r) => r.status === 'unknown' && r.error?.code !== 'LEASE_LOST')).toEqual([]);
    expect(mutating.filter((r) => r.status === 'unknown').length).toBeGreaterThanOrEqual(1);

    // Read-only: may have been retried, but every one succeeded and its recorded result came from a delegate
    // that really finished it. No attempt recorded its operation finishing twice (progress sent while the
    // database was down is dropped, so some show none; their result was re-sent until recorded).
    expect(readOnly.filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(readOnly.filter((r) => r.claims > 1).length).toBeGreaterThanOrEqual(1);
    expect(readOnly.filter((r) => !(finished.get(r.id) ?? []).includes(r.delegate_name as string))).toEqual([]);
    const operations = await sql<{ task_id: string; attempt: number; n: number }>(
      `SELECT task_id, attempt, count(*)::int AS n FROM task_events
        WHERE type = 'progress' AND stage = 'operation' AND status = 'succeeded' GROUP BY task_id, attempt`,
    );
    expect(operations.filter((o) => o.n > 1)).toEqual([]);

    // Never a 500: every answer was a success or a 503 (a dead replica's connection refused is not an answer).
    const answers = [...samples, ...loadAnswers];
    const statuses = new Set(answers.map((s) => s.status));
    expect([...statuses].filter((s) => s !== 200 && s !== 201 && s !== 503 && s !== 'network')).toEqual([]);
    expect(answers.filter((s) => s.status === 'network' && s.replica !== 'cp-b')).toEqual([]);
    for (const unavailable of answers.filter((s) => s.status === 503)) {
      expect(JSON.parse(unavailable.body)).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/unavailable|not ready/), requestId: expect.any(String) });
    }

    // While PostgreSQL was down, the probe got 503 for every request it sent and got answered in that window.
    const duringPgOutage = samples.filter((s) => s.sentAt >= pgDown && s.answeredAt <= pgStarting);
    expect(duringPgOutage.length).toBeGreaterThan(20);
    expect(new Set(duringPgOutage.map((s) => s.status))).toEqual(new Set([503]));
    // And it recovered: the probe's answers after PostgreSQL was back end in 200s.
    expect(samples.filter((s) => s.sentAt > pgUp).slice(-10).map((s) => s.status)).toEqual(Array(10).fill(200));
    // While Redis was down nothing waited for it: tasks were still accepted (recorded, delivered later) and
    // every request sent in that window was answered before Redis came back; readiness named the queue.
    const duringRedisOutage = [...samples, ...loadAnswers].filter((s) => s.sentAt >= redisDown && s.sentAt < redisStarting - 1000);
    expect(duringRedisOutage.filter((s) => s.route === '/v1/tasks' && s.status === 201).length).toBeGreaterThan(5);
    expect(duringRedisOutage.filter((s) => s.answeredAt > redisStarting)).toEqual([]);
    const readinessDuringRedisOutage = duringRedisOutage.filter((s) => s.route === '/readyz');
    expect(readinessDuringRedisOutage.length).toBeGreaterThan(0);
    for (const s of readinessDuringRedisOutage) expect(JSON.parse(s.body)).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/^not ready: queue down/) });
    for (const s of duringPgOutage.filter((s) => s.route === '/readyz')) expect(JSON.parse(s.body)['message']).toMatch(/^not ready: database down/);
  }, 300_000);
});
