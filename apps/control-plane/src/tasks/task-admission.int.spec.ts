import { ApiClient } from '../testing/api-client';
import { FakeDelegate } from '../testing/fake-delegate';
import { startTestControlPlane, TestControlPlane } from '../testing/test-env';

type Task = Record<string, unknown> & { id: string; status: string };

const LIMIT = 3;
/** Work no delegate will take before the test is over. */
const WAITING_TASK = { kind: 'noop', queueTimeoutMs: 600_000 };

describe('back-pressure on task creation (real PostgreSQL and Redis)', () => {
  let cp: TestControlPlane;
  let api: ApiClient;
  const create = (client = api) => client.post<Task>('/v1/tasks', WAITING_TASK);
  const tasksOfDefaultAccount = async () => {
    const [row] = (await cp.dataSource.query(`SELECT count(*)::int AS n FROM tasks t JOIN accounts a ON a.id = t.account_id WHERE a.identifier = 'default'`)) as Array<{ n: number }>;
    return row?.n;
  };
  /** Retries while refused: a refusal writes nothing, and the next backlog snapshot may already show the drain. */
  const createOnceThereIsRoom = async () => {
    for (let attempt = 0; attempt < 400; attempt++) {
      const answer = await create();
      if (answer.status !== 429) return answer;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('still refused after 400 attempts');
  };

  beforeAll(async () => {
    cp = await startTestControlPlane({ queue: 'redis', env: { TASK_BACKLOG_LIMIT: String(LIMIT), TASK_SWEEP_INTERVAL_MS: '100' } });
    api = new ApiClient(cp.url, cp.adminApiKey);
  });
  afterAll(() => cp?.close());

  it('accepts tasks up to the backlog limit, then answers 429 with Retry-After and writes nothing; other accounts are not affected', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await create()).body).toMatchObject({ status: 'queued' });
    expect(await tasksOfDefaultAccount()).toBe(LIMIT);

    const refused = await create();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(refused.body).toEqual({
      code: 'TOO_MANY_REQUESTS',
      message: `account 'default' has 3 tasks waiting for a delegate (queued or offered), its backlog limit is 3 (TASK_BACKLOG_LIMIT); retry after ${refused.headers.get('retry-after')} s`,
      details: { backlog: 3, limit: 3 },
      requestId: expect.any(String),
    });
    expect(await tasksOfDefaultAccount()).toBe(LIMIT);
    const metrics = await (await fetch(`${cp.url}/metrics`)).text();
    expect(metrics).toContain('conduit_tasks_rejected_total{reason="backlog"} 1');

    const otherAccount = new ApiClient(cp.url, await cp.createAccount('initech'));
    expect((await create(otherAccount)).status).toBe(201);
  });

  it('refuses a pipeline run while the backlog is full, recording no execution', async () => {
    const P = '?org=default&project=default';
    const yaml = `pipeline:\n  name: Build\n  identifier: build\n  stages:\n    - name: Build\n      type: ci\n      spec:\n        steps:\n          - name: make\n            type: run\n            spec:\n              shell: sh\n              command: make\n`;
    expect((await api.post(`/v1/pipelines${P}`, yaml)).status).toBe(201);
    const refused = await api.post(`/v1/pipelines/build/executions${P}`, {});
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', details: { backlog: LIMIT, limit: LIMIT } });
    expect(await cp.dataSource.query(`SELECT id FROM executions`)).toEqual([]);
  });

  it('accepts tasks again once the backlog drains, by cancelling or by a delegate claiming the work', async () => {
    const waiting = (await api.get<{ items: Task[] }>('/v1/tasks?status=queued')).body.items;
    expect(waiting).toHaveLength(LIMIT);
    expect((await api.post<Task>(`/v1/tasks/${waiting[0]?.id}/cancel`, {})).body.status).toBe('cancelled');
    expect((await createOnceThereIsRoom()).status).toBe(201);
    expect((await create()).status).toBe(429);

    // Offered tasks still wait for their delegate; only claimed ones have left the backlog.
    const delegate = await FakeDelegate.connect(cp.url, await cp.createDelegateToken(), { name: 'drainer', capacity: LIMIT });
    try {
      for (let i = 0; i < LIMIT; i++) await delegate.claim(await delegate.next('task_offer'));
      const accepted = await createOnceThereIsRoom();
      expect(accepted.status).toBe(201);
      expect(await tasksOfDefaultAccount()).toBe(LIMIT + 2);
    } finally {
      delegate.close();
    }
  });
});
