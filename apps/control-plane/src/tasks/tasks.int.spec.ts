import { Client } from 'pg';
import { ApiClient } from '../testing/api-client';
import { FakeDelegate } from '../testing/fake-delegate';
import { TaskDispatcher } from './task-dispatcher';
import { startTestControlPlane, TEST_POSTGRES_URL, TestControlPlane } from '../testing/test-env';

type Task = Record<string, unknown> & { id: string; status: string };

describe('task dispatch (real PostgreSQL and Redis; delegates speak the protocol by hand)', () => {
  let cp: TestControlPlane;
  let api: ApiClient;
  let token: string;
  const delegates: FakeDelegate[] = [];
  const connect = async (hello: Parameters<typeof FakeDelegate.connect>[2]) => {
    const d = await FakeDelegate.connect(cp.url, token, hello);
    delegates.push(d);
    return d;
  };
  const run = (body: Record<string, unknown>, query = '') => api.post<Task>(`/v1/tasks${query}`, body);
  const wait = async (id: string) => (await api.get<Task>(`/v1/tasks/${id}?wait=true&timeoutMs=20000`)).body;

  beforeAll(async () => {
    cp = await startTestControlPlane({ queue: 'redis', env: { TASK_LEASE_MS: '1500', TASK_CLAIM_TIMEOUT_MS: '1000', TASK_SWEEP_INTERVAL_MS: '100' } });
    api = new ApiClient(cp.url, cp.adminApiKey);
    token = await cp.createDelegateToken();
  });
  afterEach(() => {
    delegates.splice(0).forEach((d) => d.close());
  });
  afterAll(() => cp?.close());

  it('fails a task nobody can take by its deadline, naming the selectors and scope', async () => {
    const created = await run({ kind: 'noop', selectors: ['K8s-Prod'], queueTimeoutMs: 300 }, '?org=default&project=default');
    expect(created.status).toBe(201);
    const task = await wait(created.body.id);
    expect(task).toMatchObject({ status: 'failed', error: { code: 'NO_ELIGIBLE_DELEGATE' } });
    expect((task['error'] as { message: string }).message).toContain("no delegate with tags [k8s-prod] for project 'default/default' that runs 'noop'");
  });

  it('pages through every task, also those queued in the same millisecond as a page boundary', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await run({ kind: 'noop', selectors: ['nobody-has-this'], queueTimeoutMs: 600_000 })).body.id);
    // As under load: queued in one millisecond, microseconds apart (the API's cursor shows milliseconds only).
    await cp.dataSource.query(`UPDATE tasks SET queued_at = '2026-11-28T05:00:00.000Z'::timestamptz + make_interval(secs => array_position($1::uuid[], id) / 1e6) WHERE id = ANY($1::uuid[])`, [ids]);
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Task[]; nextCursor: string | null } } = await api.get(`/v1/tasks?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      listed.push(...page.body.items.map((task) => task.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(listed.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
    for (const id of ids) await api.post(`/v1/tasks/${id}/cancel`, {});
  });

  it('offers, leases and records the first result; a result under a stale lease is refused', async () => {
    const delegate = await connect({ name: 'd1' });
    const created = await run({ kind: 'noop', payload: { hello: 'world' } });
    const offer = await delegate.next('task_offer');
    expect(offer).toMatchObject({ taskId: created.body.id, kind: 'noop', attempt: 1, mutating: false, payload: { hello: 'world' }, secrets: [] });
    const leaseId = await delegate.claim(offer);

    delegate.send({ type: 'progress', taskId: offer['taskId'], leaseId, seq: 0, stage: 'operation', status: 'started' });
    delegate.send({ type: 'log', taskId: offer['taskId'], leaseId, seq: 1, stream: 'stdout', data: 'working' });
    delegate.send({ type: 'result', taskId: offer['taskId'], leaseId: crypto.randomUUID(), status: 'failed', stages: [], startedAt: 1, finishedAt: 2 });
    expect(await delegate.next('result_ack', created.body.id)).toMatchObject({ accepted: false });
    delegate.result(created.body.id, leaseId, 'succeeded', { answer: 42 });
    expect(await delegate.next('result_ack', created.body.id)).toMatchObject({ accepted: true });
    delegate.result(created.body.id, leaseId, 'failed'); // a second result never overwrites the first
    expect(await delegate.next('result_ack', created.body.id)).toMatchObject({ accepted: false });

    const task = await wait(created.body.id);
    expect(task).toMatchObject({ status: 'succeeded', output: { answer: 42 }, attempt: 1, delegate: { name: 'd1' } });
    for (const field of ['queuedAt', 'offeredAt', 'claimedAt', 'startedAt', 'finishedAt']) expect(task[field]).toEqual(expect.any(String));
    const events = await api.get<{ items: Array<Record<string, unknown>> }>(`/v1/tasks/${created.body.id}/events`);
    expect(events.body.items).toEqual([
      expect.objectContaining({ seq: 0, type: 'progress', stage: 'operation', status: 'started' }),
      expect.objectContaining({ seq: 1, type: 'log', stream: 'stdout', data: 'working' }),
    ]);
  });

  it('writes progress and logs sent together, refusing only the frames under a stale lease or that cannot be stored', async () => {
    const delegate = await connect({ name: 'batcher' });
    const created = await run({ kind: 'sleep', payload: { ms: 60000 } });
    const leaseId = await delegate.claim(await delegate.next('task_offer', created.body.id));
    const taskId = created.body.id;
    // One burst, so the frames land in one batch: a stale lease and a NUL (PostgreSQL text cannot hold it) among good ones.
    delegate.send({ type: 'progress', taskId, leaseId, seq: 0, stage: 'operation', status: 'started' });
    delegate.send({ type: 'log', taskId, leaseId: crypto.randomUUID(), seq: 1, stream: 'stdout', data: 'from a stale lease' });
    delegate.send({ type: 'log', taskId, leaseId, seq: 2, stream: 'stdout', data: 'bad \u0000 byte' });
    delegate.send({ type: 'log', taskId, leaseId, seq: 3, stream: 'stdout', data: 'still written' });
    expect(await delegate.next('error')).toMatchObject({ code: 'STALE_LEASE', ref: 'leaseId' });
    expect(await delegate.next('error')).toMatchObject({ code: 'INTERNAL', message: `log 2 for task ${taskId} could not be recorded` });
    delegate.result(taskId, leaseId, 'succeeded');
    expect(await delegate.next('result_ack', taskId)).toMatchObject({ accepted: true });
    const task = await wait(taskId);
    expect(task).toMatchObject({ status: 'succeeded', startedAt: expect.any(String) });
    const events = await api.get<{ items: Array<Record<string, unknown>> }>(`/v1/tasks/${taskId}/events`);
    expect(events.body.items.map((e) => [e['seq'], e['type'], e['data'] ?? e['status']])).toEqual([
      [0, 'progress', 'started'],
      [3, 'log', 'still written'],
    ]);
  });

  it('records a result with the events sent just before it, even when one of them cannot be stored', async () => {
    const delegate = await connect({ name: 'burst' });
    const created = await run({ kind: 'noop' });
    const taskId = created.body.id;
    const leaseId = await delegate.claim(await delegate.next('task_offer', taskId));
    delegate.send({ type: 'progress', taskId, leaseId, seq: 0, stage: 'operation', status: 'started' });
    delegate.send({ type: 'log', taskId, leaseId, seq: 1, stream: 'stderr', data: 'bad \u0000 byte' });
    delegate.send({ type: 'progress', taskId, leaseId, seq: 2, stage: 'operation', status: 'succeeded' });
    delegate.result(taskId, leaseId, 'succeeded', { done: true });
    expect(await delegate.next('result_ack', taskId)).toMatchObject({ accepted: true });
    expect(await delegate.next('error')).toMatchObject({ code: 'INTERNAL', message: `log 1 for task ${taskId} could not be recorded` });
    expect(await wait(taskId)).toMatchObject({ status: 'succeeded', output: { done: true } });
    const events = await api.get<{ items: Array<Record<string, unknown>> }>(`/v1/tasks/${taskId}/events`);
    expect(events.body.items.map((e) => [e['seq'], e['status']])).toEqual([
      [0, 'started'],
      [2, 'succeeded'],
    ]);
  });

  it('routes by selectors (AND, case-insensitive), task kind and scope, least-loaded first', async () => {
    const plain = await connect({ name: 'plain', tags: ['linux'] });
    const k8s = await connect({ name: 'k8s', tags: ['Linux', 'K8S-prod'] });
    const created = await run({ kind: 'noop', selectors: ['k8s-prod', 'LINUX'] });
    const offer = await k8s.next('task_offer');
    expect(offer['taskId']).toBe(created.body.id);
    k8s.result(created.body.id, await k8s.claim(offer), 'succeeded');
    expect((await wait(created.body.id)).status).toBe('succeeded');
    expect(plain.frames.filter((f) => f.type === 'task_offer')).toEqual([]);

    // Both are eligible for an untagged task; with k8s busy, plain (less loaded) gets the next one.
    const busy = await run({ kind: 'sleep', selectors: ['k8s-prod'], payload: { ms: 1 } });
    const busyLease = await k8s.claim(await k8s.next('task_offer', busy.body.id));
    const next = await run({ kind: 'noop' });
    const offerToPlain = await plain.next('task_offer', next.body.id);
    plain.result(next.body.id, await plain.claim(offerToPlain), 'succeeded');
    k8s.result(busy.body.id, busyLease, 'succeeded');
    expect((await wait(next.body.id)).delegate).toMatchObject({ name: 'plain' });

    // A delegate that does not run a kind is never offered it.
    await connect({ name: 'noop-only', tags: ['narrow'], taskKinds: ['noop'] });
    const unsupported = await run({ kind: 'echo', selectors: ['narrow'], payload: { text: 'x' }, queueTimeoutMs: 300 });
    const refused = await wait(unsupported.body.id);
    expect(refused).toMatchObject({ status: 'failed', error: { code: 'NO_ELIGIBLE_DELEGATE' } });
    expect((refused['error'] as { message: string }).message).toContain("with the tags: 1, also running 'echo': 0");
  });

  it('spreads tasks created together over the free slots of eligible delegates, never past their capacity', async () => {
    const a = await connect({ name: 'spread-a', tags: ['spread'], capacity: 2 });
    const b = await connect({ name: 'spread-b', tags: ['spread'], capacity: 2 });
    // Six at once: they are admitted in shared statements, which must not hand out more than the four free slots.
    const created = await Promise.all(Array.from({ length: 6 }, () => run({ kind: 'sleep', selectors: ['spread'], payload: { ms: 60000 } })));
    expect(created.map((c) => c.status)).toEqual(Array(6).fill(201));
    const ids = created.map((c) => c.body.id);
    const offers = await Promise.all([a, a, b, b].map((d) => d.next('task_offer')));
    const leases = await Promise.all(offers.map((offer, i) => ([a, a, b, b][i] as FakeDelegate).claim(offer)));
    const statuses = await Promise.all(ids.map(async (id) => (await api.get<Task>(`/v1/tasks/${id}`)).body.status));
    expect(statuses.filter((s) => s === 'claimed')).toHaveLength(4);
    expect(statuses.filter((s) => s === 'queued')).toHaveLength(2);
    expect([...a.frames, ...b.frames].filter((f) => f.type === 'task_offer')).toEqual([]);

    // A freed slot takes a waiting task.
    a.result(offers[0]?.['taskId'] as string, leases[0] as string, 'succeeded');
    const refill = await a.next('task_offer');
    expect(statuses[ids.indexOf(refill['taskId'] as string)]).toBe('queued');
    for (const id of ids) await api.post(`/v1/tasks/${id}/cancel`, {});
  });

  it('gives a freed slot to the oldest waiting task at once, without waiting for the sweep', async () => {
    // Its own control plane with a sweep that never comes during the test: only the freed slot can move the queue.
    const slow = await startTestControlPlane({ queue: 'redis', env: { TASK_SWEEP_INTERVAL_MS: '60000' } });
    const slowApi = new ApiClient(slow.url, slow.adminApiKey);
    const d = await FakeDelegate.connect(slow.url, await slow.createDelegateToken(), { name: 'one-slot', capacity: 1 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await slowApi.post<Task>('/v1/tasks', { kind: 'sleep', payload: { ms: 60000 } })).body.id);
      for (const id of ids) {
        const offer = await d.next('task_offer');
        expect(offer['taskId']).toBe(id);
        d.result(id, await d.claim(offer), 'succeeded');
      }
      const done = await Promise.all(ids.map(async (id) => (await slowApi.get<Task>(`/v1/tasks/${id}?wait=true&timeoutMs=10000`)).body.status));
      expect(done).toEqual(['succeeded', 'succeeded', 'succeeded']);
    } finally {
      d.close();
      await slow.close();
    }
  });

  it('refuses a body with a NUL character (PostgreSQL cannot store it) as a 400 naming the field', async () => {
    const refused = await run({ kind: 'noop', payload: { nested: [{ text: 'a NUL \u0000 here' }] } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'body.payload.nested[0].text' }] });
  });

  it('admits tasks created together even when one of them cannot be stored, which alone fails', async () => {
    // Past the API's checks (the dispatcher itself), a row the database refuses must not fail the rows written with it.
    const dispatcher = cp.app.get(TaskDispatcher);
    const [account] = (await cp.dataSource.query(`SELECT id FROM accounts WHERE identifier = 'default'`)) as Array<{ id: string }>;
    // Two routings, so two statements: the first commits before the second fails.
    const task = (selector: string, payload: Record<string, unknown>) => ({
      id: crypto.randomUUID(),
      accountId: account?.id as string,
      organizationId: null,
      projectId: null,
      kind: 'noop',
      mutating: false,
      connectorId: null,
      executionId: null,
      payload,
      secretRefs: [],
      selectors: [selector],
      maxAttempts: 1,
      timeoutMs: 1000,
      deadlineAt: new Date(Date.now() + 60_000),
      createdBy: 'test',
    });
    const [good, bad, alsoGood] = await Promise.allSettled([task('mixed-a', { n: 1 }), task('mixed-b', { text: 'NUL \u0000' }), task('mixed-b', { n: 3 })].map((t) => dispatcher.admit(t)));
    expect(good).toMatchObject({ status: 'fulfilled', value: { status: 'queued' } });
    expect(alsoGood).toMatchObject({ status: 'fulfilled', value: { status: 'queued' } });
    expect(bad).toMatchObject({ status: 'rejected' });
    const ids = [good, alsoGood].map((r) => (r as PromiseFulfilledResult<{ id: string }>).value.id);
    for (const id of ids) expect((await api.get<Task>(`/v1/tasks/${id}`)).body.status).toBe('queued');
    for (const id of ids) await api.post(`/v1/tasks/${id}/cancel`, {});
  });

  it('records a result whose output holds a NUL character, with U+FFFD in its place', async () => {
    const delegate = await connect({ name: 'binary-output' });
    const created = await run({ kind: 'noop' });
    const offer = await delegate.next('task_offer', created.body.id);
    delegate.result(created.body.id, await delegate.claim(offer), 'succeeded', { content: 'PK\u0003\u0004\u0000\u0000 zip bytes read as text' });
    expect(await delegate.next('result_ack', created.body.id)).toMatchObject({ accepted: true });
    expect((await wait(created.body.id)).output).toEqual({ content: 'PK\u0003\u0004\ufffd\ufffd zip bytes read as text' });
  });

  it('answers POST ?wait=true with the finished task, or with the task as it is when the time is up', async () => {
    const delegate = await connect({ name: 'waiter' });
    const answer = run({ kind: 'noop' }, '?wait=true&timeoutMs=20000');
    const offer = await delegate.next('task_offer');
    delegate.result(offer['taskId'] as string, await delegate.claim(offer), 'succeeded', { answer: 42 });
    const done = await answer;
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ id: offer['taskId'], status: 'succeeded', output: { answer: 42 } });

    const unmatched = await run({ kind: 'noop', selectors: ['nobody-has-this'] }, '?wait=true&timeoutMs=300');
    expect(unmatched.body).toMatchObject({ status: 'queued' });
    const invalid = await run({ kind: 'noop' }, '?wait=maybe');
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body)).toContain('query.wait');
  });

  it('grants one lease when the same offer is claimed twice in one burst', async () => {
    const delegate = await connect({ name: 'double-claimer' });
    const created = await run({ kind: 'noop' });
    const offer = await delegate.next('task_offer');
    delegate.send({ type: 'claim', taskId: offer['taskId'], attempt: offer['attempt'] });
    delegate.send({ type: 'claim', taskId: offer['taskId'], attempt: offer['attempt'] });
    const leases = [await delegate.next('lease', created.body.id), await delegate.next('lease', created.body.id)];
    expect(leases.map((l) => l['granted']).sort()).toEqual([false, true]);
    const granted = leases.find((l) => l['granted']) as Record<string, unknown>;
    delegate.result(created.body.id, granted['leaseId'] as string, 'succeeded');
    expect((await wait(created.body.id)).status).toBe('succeeded');
  });

  it('runs a read-only task again elsewhere after its delegate vanishes, recording one result', async () => {
    const doomed = await connect({ name: 'doomed' });
    const created = await run({ kind: 'sleep', payload: { ms: 60000 } });
    const first = await doomed.next('task_offer', created.body.id);
    await doomed.claim(first);
    doomed.close(); // like kill -9: no result, no more renewals
    const survivor = await connect({ name: 'survivor' });
    const offer = await survivor.next('task_offer', created.body.id, 15_000).catch(async (error: Error) => {
      throw new Error(`${error.message}; task: ${JSON.stringify((await api.get(`/v1/tasks/${created.body.id}`)).body)}`);
    });
    expect(offer['attempt']).toBeGreaterThan(first['attempt'] as number);
    survivor.result(created.body.id, await survivor.claim(offer), 'succeeded', { ran: 'on survivor' });
    const task = await wait(created.body.id);
    expect(task).toMatchObject({ status: 'succeeded', runs: 2, delegate: { name: 'survivor' }, output: { ran: 'on survivor' } });
  });

  it('offers a task again to the only eligible delegate when its first offer went unclaimed (lost on the way)', async () => {
    const only = await connect({ name: 'only-one', tags: ['lonely'] });
    const created = await run({ kind: 'sleep-mutating', selectors: ['lonely'], payload: { ms: 1 } });
    const first = await only.next('task_offer', created.body.id); // not claimed: as if it never arrived
    const again = await only.next('task_offer', created.body.id, 15_000);
    expect(again['attempt']).toBeGreaterThan(first['attempt'] as number);
    only.result(created.body.id, await only.claim(again), 'succeeded');
    expect(await wait(created.body.id)).toMatchObject({ status: 'succeeded', runs: 1, delegate: { name: 'only-one' } });
  });

  it('offers a task stranded on a dead replica\'s queue again as soon as its delegate reconnects here', async () => {
    const before = await connect({ name: 'returning', tags: ['returning'] });
    before.close();
    // As after a restart: the row still reads connected, on a replica that is gone and whose queue nobody reads.
    await cp.dataSource.query(`UPDATE delegates SET status = 'connected', replica_id = 'gone-replica' WHERE id = $1`, [before.delegateId]);
    const created = await run({ kind: 'noop', selectors: ['returning'] });
    expect(created.body).toMatchObject({ status: 'offered', replicaId: 'gone-replica' });

    const after = await connect({ name: 'returning', tags: ['returning'] });
    const offer = await after.next('task_offer', created.body.id);
    after.result(created.body.id, await after.claim(offer), 'succeeded');
    expect(await wait(created.body.id)).toMatchObject({ status: 'succeeded', delegate: { name: 'returning' } });
    const [row] = (await cp.dataSource.query(`SELECT excluded_delegates FROM tasks WHERE id = $1`, [created.body.id])) as Array<{ excluded_delegates: string[] }>;
    expect(row?.excluded_delegates).toEqual([]);
  });

  it('marks a mutating task unknown after a lost lease and never runs it twice', async () => {
    const doomed = await connect({ name: 'doomed-m' });
    const created = await run({ kind: 'sleep-mutating', payload: { ms: 60000 } });
    await doomed.claim(await doomed.next('task_offer', created.body.id));
    doomed.close();
    const other = await connect({ name: 'other-m' });
    const task = await wait(created.body.id);
    expect(task).toMatchObject({ status: 'unknown', runs: 1, delegate: { name: 'doomed-m' }, error: { code: 'LEASE_LOST' } });
    expect(other.frames.filter((f) => f.type === 'task_offer')).toEqual([]);
  });

  it('does not judge a lease that ran out while the database was unreachable: the result sent afterwards is recorded', async () => {
    const delegate = await connect({ name: 'through-outage' });
    const created = await run({ kind: 'sleep-mutating', payload: { ms: 60000 } });
    const leaseId = await delegate.claim(await delegate.next('task_offer', created.body.id));
    // The outage: this test's own database refuses every connection for longer than a lease.
    const [{ name }] = (await cp.dataSource.query('SELECT current_database() AS name')) as [{ name: string }];
    const admin = new Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    // A sweep has judged the lease once the row shows either a fresh lease or a terminal state.
    const judged = async () => {
      const [row] = (await cp.dataSource.query(`SELECT status, lease_expires_at > now() AS current FROM tasks WHERE id = $1`, [created.body.id])) as Array<{ status: string; current: boolean }>;
      return row?.current || row?.status !== 'claimed';
    };
    while (!(await judged().catch(() => false))) await new Promise((r) => setTimeout(r, 50));
    delegate.result(created.body.id, leaseId, 'succeeded', { done: true });
    expect(await delegate.next('result_ack', created.body.id)).toMatchObject({ accepted: true });
    expect(await wait(created.body.id)).toMatchObject({ status: 'succeeded', output: { done: true }, runs: 1 });
  });

  it('renews leases on request and takes them away from a delegate that lost them', async () => {
    const delegate = await connect({ name: 'renewer' });
    const created = await run({ kind: 'sleep', payload: { ms: 60000 } });
    const leaseId = await delegate.claim(await delegate.next('task_offer', created.body.id));
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 600));
      delegate.send({ type: 'renew', taskId: created.body.id, leaseId });
      expect(await delegate.next('lease', created.body.id)).toMatchObject({ granted: true, leaseId });
    }
    delegate.send({ type: 'renew', taskId: created.body.id, leaseId: crypto.randomUUID() });
    expect(await delegate.next('lease', created.body.id)).toMatchObject({ granted: false });
    delegate.result(created.body.id, leaseId, 'succeeded');
    expect((await wait(created.body.id)).status).toBe('succeeded');
  });

  it('cancels queued work at once and running work through its delegate', async () => {
    const queued = await run({ kind: 'noop', selectors: ['nobody-has-this'] });
    expect((await api.post<Task>(`/v1/tasks/${queued.body.id}/cancel`, {})).body.status).toBe('cancelled');

    const delegate = await connect({ name: 'canceller' });
    const created = await run({ kind: 'sleep', payload: { ms: 60000 } });
    const leaseId = await delegate.claim(await delegate.next('task_offer', created.body.id));
    await api.post(`/v1/tasks/${created.body.id}/cancel`, {});
    expect(await delegate.next('cancel', created.body.id)).toMatchObject({ reason: 'cancelled by admin' });
    delegate.result(created.body.id, leaseId, 'cancelled');
    expect((await wait(created.body.id)).status).toBe('cancelled');
  });

  it('refuses a claim, renewal or result for a task offered to someone else, even from another account', async () => {
    const owner = await connect({ name: 'owner', tags: ['owned'] });
    const created = await run({ kind: 'sleep', selectors: ['owned'], payload: { ms: 60000 } });
    const offer = await owner.next('task_offer', created.body.id);
    const otherAdmin = new ApiClient(cp.url, await cp.createAccount('initech'));
    const otherToken = (await otherAdmin.post<{ token: string }>('/v1/delegate-tokens', { name: 'intruder' })).body.token;
    const intruder = await FakeDelegate.connect(cp.url, otherToken, { name: 'intruder', tags: ['owned'] });
    delegates.push(intruder);
    intruder.send({ type: 'claim', taskId: created.body.id, attempt: offer['attempt'] });
    expect(await intruder.next('lease', created.body.id)).toMatchObject({ granted: false });
    const leaseId = await owner.claim(offer);
    intruder.send({ type: 'renew', taskId: created.body.id, leaseId });
    expect(await intruder.next('lease', created.body.id)).toMatchObject({ granted: false });
    intruder.result(created.body.id, leaseId, 'failed');
    expect(await intruder.next('result_ack', created.body.id)).toMatchObject({ accepted: false });
    expect((await otherAdmin.get(`/v1/tasks/${created.body.id}`)).status).toBe(404);
    owner.result(created.body.id, leaseId, 'succeeded');
    expect((await wait(created.body.id)).status).toBe('succeeded');
  });

  it('drains the delegates of a revoked token and refuses the token afterwards', async () => {
    const created = await api.post<{ id: string; token: string; install: Record<string, string> }>('/v1/delegate-tokens', { name: 'edge' });
    expect(created.status).toBe(201);
    expect(created.body.install['docker']).toContain(created.body.token);
    const delegate = await FakeDelegate.connect(cp.url, created.body.token, { name: 'to-drain' });
    delegates.push(delegate);
    expect((await api.post(`/v1/delegate-tokens/${created.body.id}/revoke`, {})).status).toBe(201);
    expect(await delegate.next('drain', undefined, 5000)).toMatchObject({ reason: 'the delegate token was revoked' });
    const listed = await api.get<{ items: Array<{ name: string; status: string }> }>('/v1/delegates');
    expect(listed.body.items.find((d) => d.name === 'to-drain')?.status).toBe('draining');
    // Nothing new goes to a draining delegate.
    const task = await run({ kind: 'noop', queueTimeoutMs: 500 });
    expect((await wait(task.body.id)).status).toBe('failed');
    await expect(FakeDelegate.connect(cp.url, created.body.token, { name: 'again' })).rejects.toThrow();
  });
});
