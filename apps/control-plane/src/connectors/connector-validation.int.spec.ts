import type { NestExpressApplication } from '@nestjs/platform-express';
import { ApiClient } from '../testing/api-client';
import { FakeDelegate } from '../testing/fake-delegate';
import { startTestControlPlane, TestControlPlane } from '../testing/test-env';
import { ConnectorValidation, nextValidationAt, validationOffset, VALIDATION_ACTOR } from './connector-validation';

type Json = Record<string, unknown>;
const INTERVAL = 60_000;

/**
 * Periodic validation on the real PostgreSQL and Redis, with two control-plane replicas on the same database
 * and queue, and a delegate speaking the protocol by hand (it answers each connection test as the test
 * says). Time is the tests' own: the replicas' timers are stopped and tick(now) is driven with chosen instants.
 */
describe('periodic connector validation (real PostgreSQL and Redis; two replicas; hand-driven delegate)', () => {
  let cp: TestControlPlane;
  let replica: { app: NestExpressApplication; url: string };
  let api: ApiClient;
  let delegate: FakeDelegate;
  let a: ConnectorValidation;
  let b: ConnectorValidation;
  /** The test's clock starts at the real time: "in use" looks back from it at the tasks people created. */
  let t0: number;

  const prometheus = (identifier: string) => ({ identifier, name: identifier, type: 'Prometheus', spec: { url: `https://${identifier}.example.test` } });
  const idOf = async (identifier: string) => ((await api.get<Json>(`/v1/connectors/${identifier}`)).body['id'] as string);
  /** Answers the next connection test offered to the delegate; returns the connector's identifier from the offer. */
  const answerTest = async (outcome: 'SUCCESS' | 'FAILURE') => {
    const offer = await delegate.next('task_offer');
    const leaseId = await delegate.claim(offer);
    const taskId = offer['taskId'] as string;
    if (outcome === 'SUCCESS') delegate.result(taskId, leaseId, 'succeeded', { status: 'SUCCESS', message: 'reached it' });
    else delegate.send({ type: 'result', taskId, leaseId, status: 'failed', error: { code: 'CONNECTION_REFUSED', message: 'connection refused by https://x', stage: 'connection' }, stages: [], startedAt: Date.now() - 1, finishedAt: Date.now() });
    expect(await delegate.next('result_ack', taskId)).toMatchObject({ accepted: true });
    return taskId;
  };
  const periodicTasks = async () =>
    (await cp.dataSource.query(`SELECT connector_id, count(*)::int AS n FROM tasks WHERE created_by = $1 GROUP BY connector_id`, [VALIDATION_ACTOR])) as Array<{
      connector_id: string;
      n: number;
    }>;
  const settle = async (taskIds: string[]) => {
    for (const id of taskIds) await api.get(`/v1/tasks/${id}?wait=true&timeoutMs=10000`);
  };

  beforeAll(async () => {
    const env = { CONNECTOR_VALIDATION_INTERVAL_MS: String(INTERVAL), TASK_SWEEP_INTERVAL_MS: '100' };
    cp = await startTestControlPlane({ queue: 'redis', env });
    replica = await cp.startReplica(env);
    a = cp.app.get(ConnectorValidation);
    b = replica.app.get(ConnectorValidation);
    a.stop();
    b.stop();
    api = new ApiClient(cp.url, cp.adminApiKey);
    // The delegate sits on replica B: tests started by replica A reach it through B's queue.
    delegate = await FakeDelegate.connect(replica.url, await cp.createDelegateToken(), { name: 'validator', capacity: 16, taskKinds: ['connector.test'] });
  });
  afterAll(async () => {
    delegate?.close();
    await cp?.close();
  });

  it('spreads connectors in use over the interval and starts each check on exactly one replica', async () => {
    for (const name of ['p1', 'p2', 'p3', 'p4', 'idle']) expect((await api.post('/v1/connectors', prometheus(name))).status).toBe(201);
    // In use: a person tested them. `idle` was never used: not validated.
    const manual: string[] = [];
    for (const name of ['p1', 'p2', 'p3', 'p4']) {
      expect((await api.post(`/v1/connectors/${name}/test`, undefined)).status).toBe(202);
      manual.push(await answerTest('SUCCESS'));
    }
    await settle(manual);
    const ids = Object.fromEntries(await Promise.all(['p1', 'p2', 'p3', 'p4', 'idle'].map(async (n) => [n, await idOf(n)] as const)));

    t0 = Date.now();
    expect(await a.tick(t0)).toEqual([]); // slots planned, none due yet
    const slots = (await cp.dataSource.query(`SELECT connector_id, due_at FROM connector_validations`)) as Array<{ connector_id: string; due_at: Date }>;
    const due = new Map(slots.map((s) => [s.connector_id, new Date(s.due_at).getTime()]));
    expect([...due.keys()].sort()).toEqual([ids['p1'], ids['p2'], ids['p3'], ids['p4']].sort());
    for (const [id, at] of due) {
      expect(at).toBe(nextValidationAt(id, INTERVAL, t0));
      expect(at).toBeGreaterThan(t0);
      expect(at).toBeLessThanOrEqual(t0 + INTERVAL);
    }
    // Spread: each connector has its own offset, stable for its id.
    expect(new Set([...due.keys()].map((id) => validationOffset(id, INTERVAL))).size).toBe(4);

    // Walking through the interval slot by slot, each tick starts exactly the connector whose slot came,
    // and the two replicas racing on every tick never start one twice.
    const order = [...due].sort((x, y) => x[1] - y[1]);
    const started: string[] = [];
    for (const [id, at] of order) {
      const [fromA, fromB] = await Promise.all([a.tick(at), b.tick(at)]);
      expect([...fromA, ...fromB]).toEqual([id]);
      started.push(await answerTest('SUCCESS'));
    }
    await settle(started);
    expect((await periodicTasks()).map((r) => r.n)).toEqual([1, 1, 1, 1]);

    // The next interval: once more each, again whichever replica gets there first.
    const [nextA, nextB] = await Promise.all([a.tick(t0 + 2 * INTERVAL), b.tick(t0 + 2 * INTERVAL)]);
    expect([...nextA, ...nextB].sort()).toEqual([...due.keys()].sort());
    const second: string[] = [];
    for (let i = 0; i < 4; i++) second.push(await answerTest('SUCCESS'));
    await settle(second);
    expect((await periodicTasks()).map((r) => r.n)).toEqual([2, 2, 2, 2]);
    const audited = (await api.get<{ items: Json[] }>('/v1/audit-events?action=connector.test&limit=100')).body.items;
    expect(audited.filter((e) => e['actorName'] === VALIDATION_ACTOR)).toHaveLength(8);
  });

  it('records every status change with its time and audits it; unchanged outcomes add no history', async () => {
    const id = await idOf('p1');
    const before = (await api.get<{ items: Json[] }>('/v1/connectors/p1/status-history')).body.items;
    expect(before.map((h) => [h['from'], h['to']])).toEqual([['UNCONFIGURED', 'ACTIVE']]);

    // After the first test every slot lies in (t0 + 2I, t0 + 3I]: from p1's slot + I on, all four are due on each tick.
    const slot = nextValidationAt(id, INTERVAL, t0 + 2 * INTERVAL);
    const runPeriodic = async (outcome: 'SUCCESS' | 'FAILURE', at: number) => {
      expect(await b.tick(at)).toContain(id);
      const tasks: string[] = [];
      // The other connectors' slots came due too: they succeed.
      const offered = (await cp.dataSource.query(`SELECT count(*)::int AS n FROM tasks WHERE created_by = $1 AND status NOT IN ('succeeded', 'failed')`, [VALIDATION_ACTOR])) as Array<{ n: number }>;
      for (let i = 0; i < (offered[0]?.n ?? 0); i++) {
        const offer = await delegate.next('task_offer');
        const leaseId = await delegate.claim(offer);
        const taskId = offer['taskId'] as string;
        const [row] = (await cp.dataSource.query(`SELECT connector_id FROM tasks WHERE id = $1`, [taskId])) as Array<{ connector_id: string }>;
        if (row?.connector_id === id && outcome === 'FAILURE') {
          delegate.send({ type: 'result', taskId, leaseId, status: 'failed', error: { code: 'CONNECTION_REFUSED', message: 'connection refused by https://p1.example.test/api/v1/query', stage: 'connection' }, stages: [], startedAt: Date.now() - 1, finishedAt: Date.now() });
        } else {
          delegate.result(taskId, leaseId, 'succeeded', { status: 'SUCCESS', message: 'reached it' });
        }
        await delegate.next('result_ack', taskId);
        tasks.push(taskId);
      }
      await settle(tasks);
    };
    await runPeriodic('FAILURE', slot + INTERVAL);
    await runPeriodic('FAILURE', slot + 2 * INTERVAL); // still failing: no new history entry
    await runPeriodic('SUCCESS', slot + 3 * INTERVAL);

    const history = (await api.get<{ items: Array<{ from: string; to: string; reason: string; changedAt: string; taskId: string }> }>('/v1/connectors/p1/status-history')).body.items;
    expect(history.map((h) => [h.from, h.to])).toEqual([
      ['FAILED', 'ACTIVE'],
      ['ACTIVE', 'FAILED'],
      ['UNCONFIGURED', 'ACTIVE'],
    ]);
    expect(history[1]?.reason).toBe('connection refused by https://p1.example.test/api/v1/query');
    for (const h of history) expect(Date.parse(h.changedAt)).not.toBeNaN();
    expect(Date.parse(history[0]?.changedAt as string)).toBeGreaterThanOrEqual(Date.parse(history[1]?.changedAt as string));

    const audit = (await api.get<{ items: Json[] }>(`/v1/audit-events?action=connector.status-change&resourceId=${id}&limit=100`)).body.items;
    expect(audit).toHaveLength(3);
    expect(audit[0]).toMatchObject({ actorName: 'conduit:monitoring', actorId: null, changes: [{ path: 'status', before: 'FAILED', after: 'ACTIVE' }] });
  });

  it('counts a connector a pipeline references as in use, without any test', async () => {
    const idle = await idOf('idle');
    const pipeline = `pipeline:
  name: Uses idle
  identifier: uses_idle
  stages:
    - name: Build
      type: ci
      spec:
        codebase:
          connector: account.idle
          repo: demo.git
        steps:
          - name: Build
            type: run
            spec:
              shell: sh
              command: echo hi
`;
    const created = await api.post('/v1/pipelines?org=default&project=default', pipeline);
    expect(created.status).toBe(201);
    await a.tick(t0);
    const [slot] = (await cp.dataSource.query(`SELECT due_at FROM connector_validations WHERE connector_id = $1`, [idle])) as Array<{ due_at: Date }>;
    expect(new Date(slot?.due_at as Date).getTime()).toBe(nextValidationAt(idle, INTERVAL, t0));
  });

  it('drops the slot of a connector no longer in use', async () => {
    const id = await idOf('p2');
    // Its only human use is older than CONNECTOR_VALIDATION_IN_USE_DAYS (7) at this instant.
    await a.tick(Date.now() + 8 * 86_400_000);
    const slots = (await cp.dataSource.query(`SELECT connector_id FROM connector_validations WHERE connector_id = $1`, [id])) as unknown[];
    expect(slots).toEqual([]);
    const status = await api.get(`/v1/connectors/p2/status-history?org=nowhere`);
    expect(status.status).toBe(404); // the scope names an organization that does not exist
  });
});
