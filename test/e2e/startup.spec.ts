import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDatabase, freePort, getJson, POSTGRES_URL, REDIS_URL, runTs, RunningProcess, waitFor } from '../support/processes';

const CONTROL_PLANE = 'apps/control-plane/src/main.ts';
const DELEGATE = 'apps/delegate/src/main.ts';

describe('start-up configuration errors', () => {
  it('stops the control plane naming every bad variable, with exit code 78', async () => {
    const run = runTs(CONTROL_PLANE, { PORT: 'eighty', LOG_LEVEL: 'chatty', DATABASE_URL: 'mysql://nope' });
    const { code } = await run.exited;
    expect(code).toBe(78);
    expect(run.output).toContain('PORT');
    expect(run.output).toContain('LOG_LEVEL');
    expect(run.output).toContain('DATABASE_URL: must be a URL starting with postgres:// or postgresql://');
    expect(run.output).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('says how to start Redis when REDIS_URL points at nothing', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'conduit-startup-'));
    const db = createDatabase();
    try {
      const run = runTs(CONTROL_PLANE, {
        PORT: String(await freePort()),
        CONDUIT_HOME: home,
        DATABASE_URL: db.url,
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      });
      const { code } = await run.exited;
      expect(code).toBe(78);
      expect(run.output).toContain('REDIS_URL: Redis at redis://127.0.0.1:');
      expect(run.output).toContain('redis-server --daemonize yes');
    } finally {
      db.drop();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('stops the delegate naming a missing token', async () => {
    const run = runTs(DELEGATE, { CONDUIT_URL: 'http://127.0.0.1:1' });
    expect((await run.exited).code).toBe(78);
    expect(run.output).toContain('CONDUIT_DELEGATE_TOKEN: set CONDUIT_DELEGATE_TOKEN or CONDUIT_DELEGATE_TOKEN_FILE');
  });
});

describe('a delegate process against a control-plane process (PostgreSQL + Redis)', () => {
  let home: string;
  let db: { url: string; drop(): void };
  let controlPlane: RunningProcess | undefined;
  let delegate: RunningProcess | undefined;
  let port: number;
  let apiKey: string;
  const prefix = `conduit-e2e-${process.pid}`;

  const startControlPlane = async () => {
    controlPlane = runTs(CONTROL_PLANE, {
      PORT: String(port),
      CONDUIT_HOME: home,
      DATABASE_URL: db.url,
      REDIS_URL: REDIS_URL,
      REDIS_PREFIX: prefix,
      CONDUIT_LOCAL_DELEGATE: '1',
      DELEGATE_HEARTBEAT_INTERVAL_MS: '500',
    });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 'control plane ready', { process: controlPlane });
  };
  const delegates = async () =>
    (await getJson<{ items: Array<{ name: string; status: string; tags: string[]; connectedAt: string }> }>(`http://127.0.0.1:${port}/v1/delegates`, apiKey)).body.items;

  beforeAll(async () => {
    expect(POSTGRES_URL).toBeTruthy();
    home = await mkdtemp(path.join(os.tmpdir(), 'conduit-e2e-'));
    db = createDatabase();
    port = await freePort();
    await startControlPlane();
    const { readFile } = await import('node:fs/promises');
    apiKey = (await readFile(path.join(home, 'admin-api-key'), 'utf8')).trim();
  });
  afterAll(async () => {
    await delegate?.stop();
    await controlPlane?.stop();
    db?.drop();
    await rm(home, { recursive: true, force: true });
  });

  it('connects with the token, appears as connected, and reconnects after the control plane restarts', async () => {
    delegate = runTs(DELEGATE, {
      CONDUIT_URL: `http://127.0.0.1:${port}`,
      CONDUIT_DELEGATE_TOKEN_FILE: path.join(home, 'delegate-token'),
      DELEGATE_NAME: 'edge-e2e',
      DELEGATE_TAGS: 'Linux, k8s-prod',
    });
    await waitFor(async () => (await delegates()).some((d) => d.name === 'edge-e2e' && d.status === 'connected'), 'connected', {
      process: delegate,
    });
    expect((await delegates()).find((d) => d.name === 'edge-e2e')?.tags).toEqual(['linux', 'k8s-prod']);

    await (controlPlane as RunningProcess).stop('SIGKILL');
    const restartedAt = new Date().toISOString();
    await startControlPlane();
    // Its JSON log says it lost the socket and came back; the API shows the new connection.
    const connections = () =>
      (delegate as RunningProcess).output
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string })
        .filter((entry) => entry.msg === 'connected to the control plane').length;
    await waitFor(async () => connections() >= 2, 'the delegate to reconnect', { process: delegate });
    expect(delegate?.output).toContain('disconnected; reconnecting');
    const [edge] = (await delegates()).filter((d) => d.name === 'edge-e2e');
    expect(edge).toMatchObject({ status: 'connected' });
    expect((edge?.connectedAt ?? '') > restartedAt).toBe(true);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    await (delegate as RunningProcess).stop('SIGTERM');
    expect((await (delegate as RunningProcess).exited).code).toBe(0);
    await waitFor(async () => (await delegates()).some((d) => d.name === 'edge-e2e' && d.status === 'disconnected'), 'disconnected');
  });
});
