import { startOwnRedis, OwnRedis } from '../support/own-services';
import { waitFor } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

/**
 * Redis (the task queue) unreachable while a control plane serves: requests must not hang on it. A task created
 * meanwhile is recorded at once and handed to its delegate once Redis is back; readiness says what is down.
 * Real processes: the control plane and a delegate, on a Redis of this test's own (stopped and started here).
 */
describe('the task queue down while serving (real processes, own Redis)', () => {
  let redis: OwnRedis;
  let stack: Stack;

  beforeAll(async () => {
    redis = await startOwnRedis();
    stack = await startStack({ name: 'queue-outage', controlPlaneEnv: { REDIS_URL: redis.url, TASK_CLAIM_TIMEOUT_MS: '1000', TASK_SWEEP_INTERVAL_MS: '200' } });
  });
  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  it('records tasks without waiting for Redis, answers readiness 503 naming the queue, and delivers once Redis is back', async () => {
    const { api } = stack;
    const running = await api('POST', '/v1/tasks', { kind: 'sleep', payload: { ms: 600_000 } });
    await waitFor(async () => (await api('GET', `/v1/tasks/${running.body['id']}`)).body['status'] === 'running', 'the long task running');

    await redis.kill();
    // Had the request waited for Redis, it would still be waiting: Redis stays down until these have answered.
    const during = await api('POST', '/v1/tasks', { kind: 'echo', payload: { text: 'queued while Redis was down' } });
    expect(during.status).toBe(201);
    const cancel = await api('POST', `/v1/tasks/${running.body['id']}/cancel`, {});
    expect(cancel).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE', message: expect.stringContaining('the task queue is unavailable') } });
    const ready = await fetch(`http://127.0.0.1:${stack.port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/^not ready: queue down \(.+\)$/) });

    await redis.start();
    // Recovered without a restart: the task recorded during the outage reaches the delegate and succeeds.
    const done = await api('GET', `/v1/tasks/${during.body['id']}?wait=true&timeoutMs=60000`);
    expect(done.body).toMatchObject({ status: 'succeeded', output: { text: 'queued while Redis was down' } });
    expect((await fetch(`http://127.0.0.1:${stack.port}/readyz`)).status).toBe(200);
    expect(stack.controlPlane.alive).toBe(true);
  });
});
