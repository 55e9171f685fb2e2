import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { z } from 'zod';
import { generateGroupKeyPair, loadPrivateKey } from '@conduit/crypto';
import { TaskKind } from '@conduit/protocol';
import { defineExecutor, TaskExecutor } from './executor';
import { executorRegistry } from './executors';

const EXECUTORS = executorRegistry({}, { allowShell: true });
import { TaskRunner, TaskRunnerOptions } from './runner';
import { delay, FrameRecorder, offerOf, sealedSecret, until } from './testing';

const GROUP = 'edge';
const groupKeyPair = generateGroupKeyPair();
const groupKey = { group: GROUP, privateKey: loadPrivateKey(groupKeyPair.privateKey) };

/** The real executors, plus a counter of noop runs and a test kind that writes a secret in small pieces. */
function setup(overrides: Partial<TaskRunnerOptions> = {}) {
  const calls = { noop: 0 };
  const noop = EXECUTORS.get(TaskKind.Noop) as TaskExecutor<unknown>;
  const executors = new Map(EXECUTORS);
  executors.set(TaskKind.Noop, { payload: noop.payload, run: (ctx) => (calls.noop++, noop.run(ctx)) });
  executors.set('test.dribble', dribble as TaskExecutor<unknown>);
  const logLines: string[] = [];
  const log = pino(
    { level: 'trace' },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(chunk.toString('utf8'));
        callback();
      },
    }),
  );
  const runner = new TaskRunner({
    capacity: 4,
    executors,
    groupKey,
    log,
    abortGraceMs: 200,
    ackWaitMs: 200,
    ...overrides,
  });
  const cp = new FrameRecorder();
  runner.connected(cp.send);
  return { runner, cp, calls, logLines };
}

/** Writes `prefix`, then the value of secret `ref` a few characters per log call, then `suffix`. */
const dribble = defineExecutor({
  payload: z.object({ ref: z.string(), piece: z.number().int().positive() }),
  async run({ payload, secrets, log }) {
    const secret = secrets.get(payload.ref);
    const value = secret?.kind === 'text' ? secret.value : '';
    log('stdout', 'before ');
    for (let at = 0; at < value.length; at += payload.piece) {
      log('stdout', value.slice(at, at + payload.piece));
      await delay(1);
    }
    log('stdout', ' after\n');
    return {};
  },
});

function grant(runner: TaskRunner, taskId: string, extra: { renewEveryMs?: number; leaseId?: string } = {}): string {
  const leaseId = extra.leaseId ?? randomUUID();
  runner.handle({
    type: 'lease',
    taskId,
    granted: true,
    leaseId,
    expiresAt: Date.now() + 30_000,
    renewEveryMs: extra.renewEveryMs ?? 10_000,
  });
  return leaseId;
}

async function runToResult(runner: TaskRunner, cp: FrameRecorder, offer = offerOf(TaskKind.Noop, {})) {
  runner.handle(offer);
  await cp.next('claim', offer.taskId);
  const leaseId = grant(runner, offer.taskId);
  const result = await cp.next('result', offer.taskId);
  return { offer, leaseId, result };
}

describe('TaskRunner', () => {
  afterEach(() => jest.useRealTimers());

  it('claims an offer, runs it once the lease is granted, and reports stages, output and result under the lease', async () => {
    const { runner, cp } = setup();
    const offer = offerOf(TaskKind.Sleep, { ms: 10 });
    runner.handle(offer);
    expect(await cp.next('claim', offer.taskId)).toEqual({ type: 'claim', taskId: offer.taskId, attempt: 1 });
    await delay(30);
    expect(cp.about(offer.taskId).map((f) => f.type)).toEqual(['claim']); // nothing runs before the lease
    expect(runner.running).toBe(0);

    const leaseId = grant(runner, offer.taskId);
    expect(runner.running).toBe(1);
    const result = await cp.next('result', offer.taskId);
    const stream = cp.about(offer.taskId).filter((f) => f.type === 'progress' || f.type === 'log');
    expect(stream.map((f) => (f.type === 'progress' ? `${f.stage}:${f.status}` : `log:${f.stream}:${f.data}`))).toEqual(
      [
        'validation:started',
        'validation:succeeded',
        'operation:started',
        'log:stdout:sleeping 10 ms\n',
        'operation:succeeded',
      ],
    );
    expect(stream.map((f) => (f as { seq: number }).seq)).toEqual([0, 1, 2, 3, 4]);
    expect(stream.every((f) => (f as { leaseId: string }).leaseId === leaseId)).toBe(true);
    expect(result).toEqual({
      type: 'result',
      taskId: offer.taskId,
      leaseId,
      status: 'succeeded',
      output: { sleptMs: 10 },
      stages: [
        { stage: 'validation', status: 'succeeded', durationMs: expect.any(Number) },
        { stage: 'operation', status: 'succeeded', durationMs: expect.any(Number) },
      ],
      startedAt: expect.any(Number),
      finishedAt: expect.any(Number),
    });
    expect(result.finishedAt - result.startedAt).toBeGreaterThanOrEqual(9);
    expect(runner.running).toBe(0);
  });

  it('runs nothing when the lease is not granted, and frees the slot', async () => {
    const { runner, cp, calls } = setup({ capacity: 1 });
    const refused = offerOf(TaskKind.Noop, {});
    runner.handle(refused);
    await cp.next('claim', refused.taskId);
    runner.handle({ type: 'lease', taskId: refused.taskId, granted: false, reason: 'claimed by another delegate' });
    await delay(30);
    expect(calls.noop).toBe(0);
    expect(cp.about(refused.taskId).map((f) => f.type)).toEqual(['claim']);

    const next = offerOf(TaskKind.Noop, {});
    runner.handle(next);
    await cp.next('claim', next.taskId);
  });

  it('does not claim kinds it does not implement, nor anything while draining', async () => {
    const { runner, cp } = setup();
    runner.handle(offerOf('kind-nobody-implements', {}));
    void runner.drain(1_000);
    runner.handle(offerOf(TaskKind.Noop, {}));
    await delay(20);
    expect(cp.of('claim')).toEqual([]);
  });

  it('renews the lease on its own timer while the task runs, and stops renewing after the result', async () => {
    const { runner, cp } = setup();
    const offer = offerOf(TaskKind.Sleep, { ms: 200 });
    runner.handle(offer);
    await cp.next('claim', offer.taskId);
    const leaseId = grant(runner, offer.taskId, { renewEveryMs: 30 });
    await cp.next('result', offer.taskId);
    const renewals = cp.of('renew', offer.taskId);
    expect(renewals.length).toBeGreaterThanOrEqual(3);
    expect(renewals.every((r) => r.leaseId === leaseId)).toBe(true);
    await delay(100);
    expect(cp.of('renew', offer.taskId)).toHaveLength(renewals.length);
  });

  it('aborts the work at once and sends no result when a renewal is refused', async () => {
    const { runner, cp } = setup();
    const offer = offerOf(TaskKind.Sleep, { ms: 5_000 });
    runner.handle(offer);
    await cp.next('claim', offer.taskId);
    grant(runner, offer.taskId, { renewEveryMs: 20 });
    await cp.next('renew', offer.taskId);
    const sentBefore = cp.about(offer.taskId).filter((f) => f.type !== 'renew').length;
    runner.handle({ type: 'lease', taskId: offer.taskId, granted: false, reason: 'lease expired' });
    await until(() => runner.running === 0, 'the task to stop', 500);
    await delay(50);
    expect(cp.of('result', offer.taskId)).toEqual([]);
    expect(cp.about(offer.taskId).filter((f) => f.type !== 'renew')).toHaveLength(sentBefore);
    const renewsAfterStop = cp.of('renew', offer.taskId).length;
    await delay(60);
    expect(cp.of('renew', offer.taskId)).toHaveLength(renewsAfterStop);
  });

  it('adopts a new lease granted for a task it is running (a re-delivered offer) and carries it from then on', async () => {
    const { runner, cp } = setup();
    const offer = offerOf(TaskKind.Sleep, { ms: 100 });
    runner.handle(offer);
    await cp.next('claim', offer.taskId);
    grant(runner, offer.taskId);
    runner.handle({ ...offer, attempt: 2 });
    await cp.next('claim', offer.taskId, (c) => c.attempt === 2);
    const second = grant(runner, offer.taskId, { renewEveryMs: 20 });
    expect((await cp.next('renew', offer.taskId)).leaseId).toBe(second);
    expect((await cp.next('result', offer.taskId)).leaseId).toBe(second);
  });

  it('cancels promptly: the executor sees the abort and the result is cancelled', async () => {
    const { runner, cp } = setup();
    const offer = offerOf(TaskKind.Sleep, { ms: 5_000 });
    runner.handle(offer);
    await cp.next('claim', offer.taskId);
    grant(runner, offer.taskId);
    await cp.next('log', offer.taskId);
    const cancelledAt = Date.now();
    runner.handle({ type: 'cancel', taskId: offer.taskId, reason: 'cancelled by alice' });
    const result = await cp.next('result', offer.taskId);
    expect(Date.now() - cancelledAt).toBeLessThan(150); // well under the 200 ms abort grace: the sleep stopped
    expect(result).toMatchObject({
      status: 'cancelled',
      error: { code: 'CANCELLED', message: 'cancelled: cancelled by alice', stage: 'operation' },
    });
    expect(result.stages).toContainEqual(expect.objectContaining({ stage: 'operation', status: 'failed' }));
  });

  it('fails a task that outlives its timeoutMs with TIMEOUT', async () => {
    const { runner, cp } = setup();
    const { result } = await runToResult(
      runner,
      cp,
      offerOf(TaskKind.SleepMutating, { ms: 5_000 }, { timeoutMs: 50, mutating: true }),
    );
    expect(result).toMatchObject({
      status: 'failed',
      error: {
        code: 'TIMEOUT',
        message: 'sleep-mutating: did not finish within its timeout of 50 ms',
        stage: 'operation',
      },
    });
    expect(result.finishedAt - result.startedAt).toBeLessThan(1_000);
  });

  it('claims no more than its capacity, counting claims waiting for a lease', async () => {
    const { runner, cp } = setup({ capacity: 2 });
    const offers = [0, 1, 2].map(() => offerOf(TaskKind.Sleep, { ms: 60 }));
    for (const offer of offers) runner.handle(offer);
    await delay(20);
    expect(cp.of('claim').map((c) => c.taskId)).toEqual([offers[0].taskId, offers[1].taskId]);
    grant(runner, offers[0].taskId);
    grant(runner, offers[1].taskId);
    expect(runner.running).toBe(2);
    const late = offerOf(TaskKind.Noop, {});
    runner.handle(late);
    await delay(20);
    expect(cp.of('claim', late.taskId)).toEqual([]);
    await cp.next('result', offers[0].taskId);
    await cp.next('result', offers[1].taskId);
    runner.handle({ ...late, attempt: 2 });
    await cp.next('claim', late.taskId);
  });

  it('answers a re-delivered offer of a finished task with its stored result under the new lease, without running it again', async () => {
    const { runner, cp, calls } = setup();
    const { offer, result } = await runToResult(runner, cp);
    runner.handle({ type: 'result_ack', taskId: offer.taskId, accepted: true });
    expect(calls.noop).toBe(1);

    runner.handle({ ...offer, attempt: 2 });
    await cp.next('claim', offer.taskId, (c) => c.attempt === 2);
    const newLease = grant(runner, offer.taskId);
    const replayed = await cp.next('result', offer.taskId, (r) => r.leaseId === newLease);
    expect(replayed).toEqual({ ...result, leaseId: newLease });
    expect(calls.noop).toBe(1);
    expect(cp.about(offer.taskId).filter((f) => f.type === 'progress' || f.type === 'log')).toHaveLength(4); // from the one run
  });

  it('claims a re-delivered finished task even when full or draining (no work is run for it)', async () => {
    const { runner, cp, calls } = setup({ capacity: 1 });
    const { offer } = await runToResult(runner, cp);
    runner.handle({ type: 'result_ack', taskId: offer.taskId, accepted: true });
    const busy = offerOf(TaskKind.Sleep, { ms: 100 });
    runner.handle(busy);
    await cp.next('claim', busy.taskId);
    grant(runner, busy.taskId);
    runner.handle({ ...offer, attempt: 2 });
    await cp.next('claim', offer.taskId, (c) => c.attempt === 2);
    grant(runner, offer.taskId);
    await until(() => cp.of('result', offer.taskId).length === 2, 'the replayed result');
    expect(calls.noop).toBe(1);
  });

  it('sends an unacknowledged result again after a reconnect, with the same lease id, and stops once acknowledged', async () => {
    const { runner, cp } = setup();
    const { offer, leaseId, result } = await runToResult(runner, cp);
    runner.disconnected();
    const second = new FrameRecorder();
    runner.connected(second.send);
    expect(second.of('result')).toEqual([result]);
    expect(second.of('result')[0].leaseId).toBe(leaseId);

    runner.handle({ type: 'result_ack', taskId: offer.taskId, accepted: true });
    runner.disconnected();
    const third = new FrameRecorder();
    runner.connected(third.send);
    expect(third.of('result')).toEqual([]);
  });

  it('sends an unacknowledged result again at the renewal interval while connected, and stops once acknowledged', async () => {
    // A control plane whose database is down cannot record the result and answers nothing.
    const { runner, cp } = setup();
    const offer = offerOf(TaskKind.Noop, {});
    runner.handle(offer);
    await cp.next('claim', offer.taskId);
    const leaseId = grant(runner, offer.taskId, { renewEveryMs: 30 });
    await until(() => cp.of('result', offer.taskId).length >= 3, 'the result sent three times');
    expect(cp.of('result', offer.taskId).every((r) => r.leaseId === leaseId && r.status === 'succeeded')).toBe(true);

    runner.handle({ type: 'result_ack', taskId: offer.taskId, accepted: true });
    const sent = cp.of('result', offer.taskId).length;
    await delay(100);
    expect(cp.of('result', offer.taskId)).toHaveLength(sent);
  });

  it('keeps a result finished while disconnected and sends it on the next welcome', async () => {
    const { runner, cp } = setup();
    const offer = offerOf(TaskKind.Sleep, { ms: 30 });
    runner.handle(offer);
    await cp.next('claim', offer.taskId);
    const leaseId = grant(runner, offer.taskId, { renewEveryMs: 10 });
    runner.disconnected();
    await until(() => runner.running === 0, 'the task to finish');
    const after = new FrameRecorder();
    runner.connected(after.send);
    expect(after.of('result')).toEqual([
      expect.objectContaining({ taskId: offer.taskId, leaseId, status: 'succeeded' }),
    ]);
    expect(cp.of('result')).toEqual([]);
  });

  it('drains: no new claims, waits for the running task and its acknowledgement, then resolves', async () => {
    const { runner, cp } = setup();
    const offer = offerOf(TaskKind.Sleep, { ms: 80 });
    runner.handle(offer);
    await cp.next('claim', offer.taskId);
    grant(runner, offer.taskId);
    let drained = false;
    const startedAt = Date.now();
    const drain = runner.drain(5_000).then(() => (drained = true));
    runner.handle(offerOf(TaskKind.Noop, {}));
    await cp.next('result', offer.taskId);
    expect(drained).toBe(false);
    runner.handle({ type: 'result_ack', taskId: offer.taskId, accepted: true });
    await drain;
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(70);
    expect(cp.of('result', offer.taskId)[0]).toMatchObject({ status: 'succeeded' });
    expect(cp.of('claim')).toHaveLength(1);
  });

  it('drains: a task still running when the grace ends is cancelled and reported', async () => {
    const { runner, cp } = setup();
    const offer = offerOf(TaskKind.Sleep, { ms: 5_000 });
    runner.handle(offer);
    await cp.next('claim', offer.taskId);
    grant(runner, offer.taskId);
    const startedAt = Date.now();
    await runner.drain(50);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(cp.of('result', offer.taskId)[0]).toMatchObject({
      status: 'cancelled',
      error: { code: 'DELEGATE_DRAINING' },
    });
  });

  it('fails a bad payload with BAD_PAYLOAD naming the field, at the validation stage', async () => {
    const { runner, cp } = setup();
    const { result: wrongType } = await runToResult(runner, cp, offerOf(TaskKind.Sleep, { ms: 'soon' }));
    expect(wrongType).toMatchObject({ status: 'failed', error: { code: 'BAD_PAYLOAD', stage: 'validation' } });
    expect(wrongType.error?.message).toMatch(/^sleep: payload\.ms: /);
    const { result: tooLong } = await runToResult(runner, cp, offerOf(TaskKind.Sleep, { ms: 600_001 }));
    expect(tooLong.error?.message).toMatch(/payload\.ms: .*600000/);
    const { result: missing } = await runToResult(runner, cp, offerOf(TaskKind.Echo, {}));
    expect(missing.error).toMatchObject({ code: 'BAD_PAYLOAD', message: expect.stringContaining('payload.text') });
    expect(missing.stages).toEqual([expect.objectContaining({ stage: 'validation', status: 'failed' })]);
  });

  it('forgets a claim that never gets a lease answer, freeing its slot', async () => {
    const { runner, cp } = setup({ capacity: 1, claimTimeoutMs: 30 });
    runner.handle(offerOf(TaskKind.Noop, {}));
    await cp.next('claim');
    await delay(50);
    const next = offerOf(TaskKind.Noop, {});
    runner.handle(next);
    await cp.next('claim', next.taskId);
  });
});

describe('TaskRunner secrets', () => {
  const value = 'hunter2-S3cr3t/+=&?é';
  const secret = () => sealedSecret('org.db_password', { kind: 'text', value }, GROUP, groupKeyPair);
  const forms = [
    value,
    Buffer.from(value).toString('base64'),
    Buffer.from(value).toString('base64url'),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ];

  function everythingSent(cp: FrameRecorder): string {
    return JSON.stringify(cp.frames);
  }

  it('opens a sealed secret with the group key and masks it (raw, base64, URL-encoded) in log frames and output', async () => {
    const { runner, cp, logLines } = setup();
    const text = [
      'raw: <+secrets.getValue("org.db_password")>',
      `base64: ${Buffer.from(value).toString('base64')}`,
      `url: ${encodeURIComponent(value)}`,
      'end',
    ].join('\n');
    const { offer, result } = await runToResult(runner, cp, offerOf(TaskKind.Echo, { text }, { secrets: [secret()] }));
    expect(result.status).toBe('succeeded');
    const logged = cp
      .of('log', offer.taskId)
      .map((f) => f.data)
      .join('');
    expect(logged).toBe('raw: ***\nbase64: ***\nurl: ***\nend');
    expect(result.output).toEqual({ text: 'raw: ***\nbase64: ***\nurl: ***\nend' });
    expect(result.stages.map((s) => s.stage)).toEqual(['validation', 'authentication', 'operation']);
    for (const form of forms) {
      expect(everythingSent(cp)).not.toContain(form);
      expect(logLines.join('')).not.toContain(form);
    }
  });

  it('masks a secret written a few characters at a time across log chunks', async () => {
    const { runner, cp } = setup();
    for (const piece of [1, 3, 7]) {
      const { offer, result } = await runToResult(
        runner,
        cp,
        offerOf('test.dribble', { ref: 'org.db_password', piece }, { secrets: [secret()] }),
      );
      expect(result.status).toBe('succeeded');
      const chunks = cp.of('log', offer.taskId).map((f) => f.data);
      expect(chunks.join('')).toBe('before *** after\n');
      expect(chunks.length).toBeGreaterThan(1);
      const seqs = cp.about(offer.taskId).flatMap((f) => (f.type === 'log' || f.type === 'progress' ? [f.seq] : []));
      expect(seqs).toEqual([...seqs.keys()]);
    }
    expect(everythingSent(cp)).not.toContain(value);
  });

  it('masks output even when the value holds JSON syntax', async () => {
    const { runner, cp } = setup();
    const tricky = 'pa"ss}:{word';
    const { result } = await runToResult(
      runner,
      cp,
      offerOf(
        TaskKind.Echo,
        { text: 'x <+secrets.getValue("pw")> y' },
        { secrets: [sealedSecret('pw', { kind: 'text', value: tricky }, GROUP, groupKeyPair)] },
      ),
    );
    expect(result.output).toEqual({ text: 'x *** y' });
    expect(everythingSent(cp)).not.toContain(JSON.stringify(tricky).slice(1, -1));
  });

  it('fails with SECRET_UNAVAILABLE at authentication, naming the reference but never the value, when it has no key', async () => {
    const { runner, cp } = setup({ groupKey: undefined });
    const { offer, result } = await runToResult(
      runner,
      cp,
      offerOf(TaskKind.Echo, { text: '<+secrets.getValue("org.db_password")>' }, { secrets: [secret()] }),
    );
    expect(result).toMatchObject({ status: 'failed', error: { code: 'SECRET_UNAVAILABLE', stage: 'authentication' } });
    expect(result.error?.message).toBe("secret 'org.db_password' cannot be opened: this delegate has no group key");
    expect(cp.of('log', offer.taskId)).toEqual([]);
    expect(result.stages).toEqual([
      expect.objectContaining({ stage: 'validation', status: 'succeeded' }),
      expect.objectContaining({ stage: 'authentication', status: 'failed' }),
    ]);
    expect(everythingSent(cp)).not.toContain(value);
  });

  it('fails with SECRET_UNAVAILABLE when the secret is sealed for another group key', async () => {
    const { runner, cp } = setup();
    const other = sealedSecret('org.db_password', { kind: 'text', value }, GROUP, generateGroupKeyPair());
    const { result } = await runToResult(runner, cp, offerOf(TaskKind.Echo, { text: 'x' }, { secrets: [other] }));
    expect(result.error).toMatchObject({
      code: 'SECRET_UNAVAILABLE',
      stage: 'authentication',
      hint: expect.stringContaining(`'${GROUP}'`),
    });
    expect(result.error?.message).toContain("secret 'org.db_password' could not be opened (NO_RECIPIENT_FOR_KEY");
  });

  it('fails with SECRET_UNAVAILABLE when the envelope is bound to another secret version', async () => {
    const { runner, cp } = setup();
    const moved = { ...secret(), version: 4 };
    const { result } = await runToResult(runner, cp, offerOf(TaskKind.Echo, { text: 'x' }, { secrets: [moved] }));
    expect(result.error).toMatchObject({
      code: 'SECRET_UNAVAILABLE',
      message: expect.stringContaining('DECRYPT_FAILED'),
    });
  });

  it('fails with SECRET_UNAVAILABLE for a reference sent without its manager connector', async () => {
    const { runner, cp } = setup();
    const reference = {
      ref: 'vault_pw',
      secretId: 'secret:acme/-/-/vault_pw',
      version: 1,
      kind: 'reference' as const,
      reference: { manager: 'org.vault', path: 'kv/app', key: 'pw' },
    };
    const { result } = await runToResult(runner, cp, offerOf(TaskKind.Noop, {}, { secrets: [reference] }));
    expect(result.error).toMatchObject({ code: 'SECRET_UNAVAILABLE', stage: 'authentication' });
    expect(result.error?.message).toMatch(
      /^secret 'vault_pw' is a reference to an external secret manager \(org\.vault\) sent without its manager connector/,
    );
  });

  it('fails an echo of a secret the task was not given, naming the reference', async () => {
    const { runner, cp } = setup();
    const { result } = await runToResult(
      runner,
      cp,
      offerOf(TaskKind.Echo, { text: '<+secrets.getValue("account.missing")>' }, { secrets: [secret()] }),
    );
    expect(result).toMatchObject({ status: 'failed', error: { code: 'SECRET_NOT_PROVIDED', stage: 'operation' } });
    expect(result.error?.message).toContain("'account.missing'");
  });

  it('warns, by reference, about a value too short to mask', async () => {
    const { runner, cp } = setup();
    const short = sealedSecret('pin', { kind: 'text', value: 'ab1' }, GROUP, groupKeyPair);
    const { offer } = await runToResult(runner, cp, offerOf(TaskKind.Echo, { text: 'ok' }, { secrets: [short] }));
    expect(
      cp
        .of('log', offer.taskId)
        .filter((f) => f.stream === 'system')
        .map((f) => f.data)
        .join(''),
    ).toContain("secret 'pin' is shorter than 4 characters");
  });
});

describe('result memory', () => {
  it('keeps results acknowledged with accepted: false too, so the task is not run again', async () => {
    const { runner, cp, calls } = setup();
    const { offer } = await runToResult(runner, cp);
    runner.handle({ type: 'result_ack', taskId: offer.taskId, accepted: false, reason: 'stale lease' });
    runner.handle({ ...offer, attempt: 2 });
    await cp.next('claim', offer.taskId, (c) => c.attempt === 2);
    grant(runner, offer.taskId);
    await until(() => cp.of('result', offer.taskId).length === 2, 'the replayed result');
    expect(calls.noop).toBe(1);
  });
});
