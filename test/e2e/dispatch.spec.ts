import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDatabase, freePort, REDIS_URL, runTs, RunningProcess, waitFor } from '../support/processes';
import { startTcpProxy } from '../support/tcp-proxy';

type Task = { id: string; status: string; attempt: number; delegate: { name: string } | null; replicaId: string | null; error: { code: string; message: string } | null };

/**
 * Task dispatch across real processes: two control-plane replicas on one PostgreSQL and Redis behind a
 * loopback TCP balancer, and real delegate processes. Timings are shortened so failover happens in seconds.
 */
describe('dispatch across replicas and delegates (real processes, PostgreSQL, Redis)', () => {
  const prefix = `conduit-e2e-dispatch-${process.pid}`;
  let db: { url: string; drop(): void };
  let home: string;
  const replicas = new Map<string, { port: number; process: RunningProcess }>();
  const delegates = new Map<string, RunningProcess>();
  let proxy: { port: number; stop(): Promise<void> };
  let apiKey: string;

  const timings = {
    TASK_LEASE_MS: '2000',
    TASK_CLAIM_TIMEOUT_MS: '1500',
    TASK_SWEEP_INTERVAL_MS: '200',
    DELEGATE_HEARTBEAT_INTERVAL_MS: '500',
    DELEGATE_DRAIN_GRACE_MS: '10000',
  };

  const startReplica = async (id: string, port: number) => {
    const process = runTs('apps/control-plane/src/main.ts', {
      ...timings,
      PORT: String(port),
      CONDUIT_HOME: home,
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      REPLICA_ID: id,
      CONDUIT_LOCAL_DELEGATE: '1',
      CONDUIT_MASTER_KEYS: 'mk-test:' + Buffer.alloc(32, 7).toString('base64url'),
      LOG_LEVEL: 'warn',
    });
    replicas.set(id, { port, process });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, `replica ${id}`, { process });
  };

  const startDelegate = (name: string, tags: string, url = `http://127.0.0.1:${proxy.port}`, token?: string) => {
    const process = runTs('apps/delegate/src/main.ts', {
      CONDUIT_URL: url,
      ...(token ? { CONDUIT_DELEGATE_TOKEN: token } : { CONDUIT_DELEGATE_TOKEN_FILE: path.join(home, 'delegate-token') }),
      DELEGATE_NAME: name,
      DELEGATE_TAGS: tags,
      DELEGATE_KEY_FILE: path.join(home, 'delegate-default.key'),
      DELEGATE_CAPACITY: '4',
    });
    delegates.set(name, process);
    return process;
  };

  const api = async <T>(replica: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const { port } = replicas.get(replica) as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}${route}`, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const delegateStatus = async (replica: string, name: string) =>
    (await api<{ items: Array<{ name: string; status: string; replicaId: string }> }>(replica, 'GET', '/v1/delegates')).body.items.find((d) => d.name === name);
  const waitTask = async (replica: string, id: string) => (await api<Task>(replica, 'GET', `/v1/tasks/${id}?wait=true&timeoutMs=60000`)).body;

  beforeAll(async () => {
    db = createDatabase();
    home = await mkdtemp(path.join(os.tmpdir(), 'conduit-e2e-dispatch-'));
    const [a, b] = [await freePort(), await freePort()];
    await startReplica('cp-a', a);
    await startReplica('cp-b', b);
    proxy = await startTcpProxy([b, a]);
    apiKey = (await readFile(path.join(home, 'admin-api-key'), 'utf8')).trim();
  });
  afterAll(async () => {
    for (const d of delegates.values()) await d.stop('SIGKILL');
    for (const { process } of replicas.values()) await process.stop('SIGKILL');
    await proxy?.stop();
    db?.drop();
    const { execFileSync } = await import('node:child_process');
    execFileSync('sh', ['-c', `redis-cli -u ${REDIS_URL} --scan --pattern '${prefix}:*' | xargs -r redis-cli -u ${REDIS_URL} del`]);
    await rm(home, { recursive: true, force: true });
  });

  it('runs a task created through one replica on a delegate connected to the other', async () => {
    const direct = startDelegate('edge-b', 'edge', `http://127.0.0.1:${replicas.get('cp-b')?.port}`);
    await waitFor(async () => (await delegateStatus('cp-a', 'edge-b'))?.status === 'connected', 'edge-b connected', { process: direct });
    expect((await delegateStatus('cp-a', 'edge-b'))?.replicaId).toBe('cp-b');

    const created = await api<Task>('cp-a', 'POST', '/v1/tasks', { kind: 'noop', selectors: ['edge'] });
    expect(created.status).toBe(201);
    const task = await waitTask('cp-a', created.body.id);
    expect(task).toMatchObject({ status: 'succeeded', delegate: { name: 'edge-b' }, replicaId: 'cp-b' });
    await direct.stop();
  });

  it('finishes a read-only task on another delegate after kill -9 of the one running it, with exactly one result', async () => {
    const first = startDelegate('worker-1', 'pool');
    await waitFor(async () => (await delegateStatus('cp-a', 'worker-1'))?.status === 'connected', 'worker-1', { process: first });
    // Long enough that worker-1 is still running it once worker-2 has started (a process start takes seconds on a busy machine).
    const created = await api<Task>('cp-a', 'POST', '/v1/tasks', { kind: 'sleep', payload: { ms: 15_000 }, selectors: ['pool'] });
    await waitFor(async () => (await api<Task>('cp-a', 'GET', `/v1/tasks/${created.body.id}`)).body.status === 'running', 'the task running on worker-1');

    const second = startDelegate('worker-2', 'pool');
    await waitFor(async () => (await delegateStatus('cp-a', 'worker-2'))?.status === 'connected', 'worker-2', { process: second });
    await first.stop('SIGKILL');

    const task = await waitTask('cp-a', created.body.id);
    expect(task).toMatchObject({ status: 'succeeded', delegate: { name: 'worker-2' } });
    expect(task.attempt).toBeGreaterThanOrEqual(2);
    // One result: the events of the successful attempt end with exactly one finished operation stage.
    const events = await api<{ items: Array<{ attempt: number; type: string; stage: string; status: string }> }>('cp-a', 'GET', `/v1/tasks/${created.body.id}/events`);
    const finishedOps = events.body.items.filter((e) => e.type === 'progress' && e.stage === 'operation' && e.status === 'succeeded');
    expect(finishedOps).toHaveLength(1);
    expect(finishedOps[0]?.attempt).toBe(task.attempt);
  });

  it('loses nothing when a replica dies: its delegates reconnect through the balancer and its tasks complete', async () => {
    for (const name of ['mover-1', 'mover-2']) startDelegate(name, 'movers');
    // The balancer sends new connections to cp-b first: make sure both movers sit there.
    await waitFor(async () => {
      const [m1, m2] = [await delegateStatus('cp-a', 'mover-1'), await delegateStatus('cp-a', 'mover-2')];
      return m1?.status === 'connected' && m2?.status === 'connected';
    }, 'movers connected');
    const before = await Promise.all(['mover-1', 'mover-2'].map((name) => delegateStatus('cp-a', name)));
    expect(before.map((d) => d?.replicaId)).toContain('cp-b');
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await api<Task>('cp-a', 'POST', '/v1/tasks', { kind: 'sleep', payload: { ms: 1500 }, selectors: ['movers'] })).body.id);
    await new Promise((r) => setTimeout(r, 500));
    await replicas.get('cp-b')?.process.stop('SIGKILL');

    const results = await Promise.all(ids.map((id) => waitTask('cp-a', id)));
    expect(results.map((t) => t.status)).toEqual(ids.map(() => 'succeeded'));
    for (const name of ['mover-1', 'mover-2']) {
      const status = await delegateStatus('cp-a', name);
      expect(status).toMatchObject({ status: 'connected', replicaId: 'cp-a' });
    }
  });

  it('drains and stops the delegates of a revoked token; new connections with it are refused', async () => {
    const token = await api<{ id: string; token: string }>('cp-a', 'POST', '/v1/delegate-tokens', { name: 'temporary' });
    const delegate = startDelegate('revoked-1', 'temp', `http://127.0.0.1:${replicas.get('cp-a')?.port}`, token.body.token);
    await waitFor(async () => (await delegateStatus('cp-a', 'revoked-1'))?.status === 'connected', 'revoked-1', { process: delegate });
    const running = await api<Task>('cp-a', 'POST', '/v1/tasks', { kind: 'sleep', payload: { ms: 1500 }, selectors: ['temp'] });
    await waitFor(async () => (await api<Task>('cp-a', 'GET', `/v1/tasks/${running.body.id}`)).body.status === 'running', 'running on revoked-1');

    await api('cp-a', 'POST', `/v1/delegate-tokens/${token.body.id}/revoke`, {});
    // The running task still finishes within the grace period; then the delegate leaves.
    expect((await waitTask('cp-a', running.body.id)).status).toBe('succeeded');
    expect((await delegate.exited).code).toBe(0);
    expect(delegate.output).toContain('drain');

    const again = startDelegate('revoked-2', 'temp', `http://127.0.0.1:${replicas.get('cp-a')?.port}`, token.body.token);
    expect((await again.exited).code).toBe(77);
    expect(again.output).toContain('refused');
    expect((await fetch(`http://127.0.0.1:${replicas.get('cp-a')?.port}/readyz`)).status).toBe(200);
  });
});
