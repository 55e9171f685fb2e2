import type { Logger } from 'pino';
import type {
  CancelFrame,
  DelegateFrame,
  LeaseFrame,
  ResultAckFrame,
  ResultFrame,
  TaskOfferFrame,
} from '@conduit/protocol';
import { TaskExecution } from './execution';
import type { ExecutorRegistry } from './executors';
import { FinishedTasks } from './finished-tasks';
import type { OpeningGroupKey } from './secrets';

/** The control-plane frames that concern tasks. */
export type TaskControlFrame = TaskOfferFrame | LeaseFrame | ResultAckFrame | CancelFrame;

/** How a task run ended, for metrics: a result status, or `lost` when the lease was lost (no result). */
export type TaskOutcome = ResultFrame['status'] | 'lost';

export interface TaskMetrics {
  taskFinished(kind: string, outcome: TaskOutcome, seconds: number): void;
}

export interface TaskRunnerOptions {
  capacity: number;
  executors: ExecutorRegistry;
  /** Opens the task's sealed secrets; without it, tasks that need secrets fail with SECRET_UNAVAILABLE. */
  groupKey: OpeningGroupKey | undefined;
  log: Logger;
  metrics?: TaskMetrics;
  /** A claim with no lease answer within this time is forgotten and its slot freed. */
  claimTimeoutMs?: number;
  /** How long an aborted executor may ignore the abort before it is abandoned. */
  abortGraceMs?: number;
  /** On drain, how long to wait for the acknowledgement of results already sent. */
  ackWaitMs?: number;
  /** Renewal interval when a lease names neither renewEveryMs nor expiresAt. */
  defaultRenewEveryMs?: number;
  finished?: FinishedTasks<ResultFrame>;
}

type Send = (frame: DelegateFrame) => void;

interface PendingClaim {
  offer: TaskOfferFrame;
  /** Set when the task already finished here: on a granted lease its stored result is sent again. */
  replay?: ResultFrame;
  timer: NodeJS.Timeout;
}

interface ActiveRun {
  offer: TaskOfferFrame;
  execution: TaskExecution;
  renewTimer?: NodeJS.Timeout;
  renewEveryMs: number;
}

/**
 * The delegate's side of task dispatch, independent of the socket: the agent hands it control-plane
 * frames and, while connected, a way to send. It answers offers with claims (when it implements the
 * kind, is not draining and has a free slot), runs a task only once its lease is granted, renews the
 * lease on its own timer, aborts on cancel, timeout, lost lease or drain, and keeps every result until
 * the control plane acknowledges it, then remembers it so a re-delivered task is not run twice.
 */
export class TaskRunner {
  private send?: Send;
  private readonly claims = new Map<string, PendingClaim>();
  private readonly runs = new Map<string, ActiveRun>();
  /**
   * Results sent (or waiting to be sent) and not yet acknowledged; re-sent after every reconnect, and at the
   * lease's renewal interval while connected: a control plane that could not record one (its database was
   * down) answers nothing, and the result must reach it before the lease is judged lost.
   */
  private readonly unacked = new Map<string, ResultFrame>();
  private readonly resendTimers = new Map<string, NodeJS.Timeout>();
  private readonly finished: FinishedTasks<ResultFrame>;
  private readonly changeListeners = new Set<() => void>();
  private drainPromise?: Promise<void>;
  private readonly claimTimeoutMs: number;
  private readonly abortGraceMs: number;
  private readonly ackWaitMs: number;
  private readonly defaultRenewEveryMs: number;

  constructor(private readonly options: TaskRunnerOptions) {
    this.finished = options.finished ?? new FinishedTasks<ResultFrame>();
    this.claimTimeoutMs = options.claimTimeoutMs ?? 30_000;
    this.abortGraceMs = options.abortGraceMs ?? 5_000;
    this.ackWaitMs = options.ackWaitMs ?? 2_000;
    this.defaultRenewEveryMs = options.defaultRenewEveryMs ?? 10_000;
  }

  /** The task kinds declared in hello. */
  get kinds(): string[] {
    return [...this.options.executors.keys()];
  }

  /** Tasks running now (reported in heartbeats). */
  get running(): number {
    return this.runs.size;
  }

  get draining(): boolean {
    return this.drainPromise !== undefined;
  }

  /** Called once the control plane has welcomed this delegate: results it has not acknowledged go again. */
  connected(send: Send): void {
    this.send = send;
    for (const result of this.unacked.values()) send(result);
    // Learn at once whether each lease survived the gap, instead of at the next renewal.
    for (const run of this.runs.values()) this.sendRenew(run);
  }

  /** The socket is gone: frames are dropped until the next welcome; unanswered claims are void. */
  disconnected(): void {
    this.send = undefined;
    for (const [taskId, claim] of this.claims) {
      clearTimeout(claim.timer);
      this.claims.delete(taskId);
    }
    this.changed();
  }

  handle(frame: TaskControlFrame): void {
    switch (frame.type) {
      case 'task_offer':
        return this.onOffer(frame);
      case 'lease':
        return this.onLease(frame);
      case 'result_ack':
        return this.onResultAck(frame);
      case 'cancel':
        return this.onCancel(frame);
    }
  }

  /**
   * Stop claiming; let running tasks finish within graceMs, then cancel them; wait briefly for the
   * acknowledgement of results sent. Resolves when the delegate may close its socket.
   */
  drain(graceMs: number): Promise<void> {
    this.drainPromise ??= this.runDrain(graceMs);
    return this.drainPromise;
  }

  private async runDrain(graceMs: number): Promise<void> {
    this.options.log.info({ running: this.runs.size, graceMs }, 'draining: taking no new tasks');
    await this.waitFor(() => this.runs.size === 0 && this.reservedClaims() === 0, graceMs);
    if (this.runs.size > 0) {
      this.options.log.warn({ running: this.runs.size, graceMs }, 'drain grace elapsed; cancelling running tasks');
      for (const run of this.runs.values()) run.execution.abort({ kind: 'drain', graceMs });
      await this.waitFor(() => this.runs.size === 0, this.abortGraceMs + 1_000);
    }
    for (const claim of this.claims.values()) clearTimeout(claim.timer);
    this.claims.clear();
    if (this.send !== undefined && this.unacked.size > 0)
      await this.waitFor(() => this.unacked.size === 0, this.ackWaitMs);
    this.options.log.info({ unacknowledged: this.unacked.size }, 'drained');
  }

  private onOffer(offer: TaskOfferFrame): void {
    const { taskId, kind } = offer;
    const stored = this.unacked.get(taskId) ?? this.finished.get(taskId);
    if (stored !== undefined) {
      // Already run here: claim it, and answer the lease with the stored result (effectively once).
      this.options.log.info(
        { taskId, kind, attempt: offer.attempt },
        'offer of a task already finished here; will send its result again',
      );
      this.claim(offer, stored);
      return;
    }
    if (this.runs.has(taskId)) {
      // The control plane thinks nobody holds it (our lease lapsed while disconnected): claim again; a granted
      // lease is adopted by the running task, a refused one means someone else has it and the work stops.
      this.options.log.info(
        { taskId, kind, attempt: offer.attempt },
        'offer of a task running here; claiming it again',
      );
      this.claimRunning(offer);
      return;
    }
    if (this.claims.has(taskId)) {
      // Our claim (or its answer) was lost on the way: say it again.
      this.claim(offer, this.claims.get(taskId)?.replay);
      return;
    }
    const reason = this.draining
      ? 'draining'
      : !this.options.executors.has(kind)
        ? 'kind not implemented'
        : this.runs.size + this.reservedClaims() >= this.options.capacity
          ? 'at capacity'
          : undefined;
    if (reason !== undefined) {
      this.options.log.debug({ taskId, kind, reason }, 'not claiming offered task');
      return;
    }
    this.claim(offer);
  }

  private claim(offer: TaskOfferFrame, replay?: ResultFrame): void {
    const previous = this.claims.get(offer.taskId);
    if (previous !== undefined) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      if (this.claims.get(offer.taskId)?.timer !== timer) return;
      this.claims.delete(offer.taskId);
      this.options.log.info(
        { taskId: offer.taskId, waitedMs: this.claimTimeoutMs },
        'claim got no lease answer; forgetting it',
      );
      this.changed();
    }, this.claimTimeoutMs);
    timer.unref(); // bookkeeping only: it must not keep a stopping process alive
    this.claims.set(offer.taskId, { offer, ...(replay ? { replay } : {}), timer });
    this.send?.({ type: 'claim', taskId: offer.taskId, attempt: offer.attempt });
  }

  private claimRunning(offer: TaskOfferFrame): void {
    this.send?.({ type: 'claim', taskId: offer.taskId, attempt: offer.attempt });
  }

  private onLease(lease: LeaseFrame): void {
    const { taskId } = lease;
    if (lease.granted && lease.leaseId === undefined) {
      this.send?.({
        type: 'error',
        code: 'FRAME_INVALID',
        message: `lease for task ${taskId}: granted without a leaseId`,
        ref: 'leaseId',
      });
      return this.onLease({ ...lease, granted: false, reason: 'granted without a leaseId' });
    }
    const claim = this.claims.get(taskId);
    if (claim !== undefined) {
      clearTimeout(claim.timer);
      this.claims.delete(taskId);
      if (!lease.granted || lease.leaseId === undefined) {
        this.options.log.info(
          { taskId, kind: claim.offer.kind, reason: lease.reason },
          'claim refused; not running the task',
        );
        this.changed();
        return;
      }
      if (claim.replay !== undefined) {
        this.awaitAck({ ...claim.replay, leaseId: lease.leaseId }, this.renewIntervalOf(lease));
      } else {
        this.start(claim.offer, lease.leaseId, this.renewIntervalOf(lease));
      }
      this.changed();
      return;
    }
    const run = this.runs.get(taskId);
    if (run !== undefined) {
      if (lease.granted && lease.leaseId !== undefined) {
        const renewEveryMs = this.renewIntervalOf(lease);
        if (lease.leaseId !== run.execution.leaseId || renewEveryMs !== run.renewEveryMs) {
          run.execution.leaseId = lease.leaseId;
          this.scheduleRenewals(run, renewEveryMs);
        }
        return;
      }
      this.options.log.warn(
        { taskId, kind: run.offer.kind, reason: lease.reason },
        'lease lost; aborting the task without a result',
      );
      run.execution.abort({ kind: 'lease-lost', ...(lease.reason !== undefined ? { reason: lease.reason } : {}) });
      return;
    }
    this.options.log.debug({ taskId, granted: lease.granted }, 'lease for a task not claimed here; ignored');
  }

  private onResultAck(ack: ResultAckFrame): void {
    const result = this.unacked.get(ack.taskId);
    if (result === undefined) return;
    this.unacked.delete(ack.taskId);
    clearInterval(this.resendTimers.get(ack.taskId));
    this.resendTimers.delete(ack.taskId);
    // Refused too (stale lease, another result won): sending it again cannot help, and running it again must not happen.
    this.finished.set(ack.taskId, result);
    if (!ack.accepted)
      this.options.log.warn({ taskId: ack.taskId, reason: ack.reason }, 'control plane refused the result');
    this.changed();
  }

  private onCancel(cancel: CancelFrame): void {
    const run = this.runs.get(cancel.taskId);
    if (run !== undefined) {
      this.options.log.info({ taskId: cancel.taskId, kind: run.offer.kind }, 'cancelling task');
      run.execution.abort({ kind: 'cancel', reason: cancel.reason });
      return;
    }
    const claim = this.claims.get(cancel.taskId);
    if (claim !== undefined) {
      clearTimeout(claim.timer);
      this.claims.delete(cancel.taskId);
      this.changed();
    }
  }

  private start(offer: TaskOfferFrame, leaseId: string, renewEveryMs: number): void {
    const executor = this.options.executors.get(offer.kind);
    if (executor === undefined) return; // claimed only for implemented kinds
    const log = this.options.log.child({ taskId: offer.taskId, kind: offer.kind });
    const execution = new TaskExecution({
      offer,
      leaseId,
      executor,
      groupKey: this.options.groupKey,
      send: (frame) => this.send?.(frame),
      abortGraceMs: this.abortGraceMs,
      warn: (message) => log.warn(message),
    });
    const run: ActiveRun = { offer, execution, renewEveryMs };
    this.runs.set(offer.taskId, run);
    this.scheduleRenewals(run, renewEveryMs);
    log.info({ attempt: offer.attempt, mutating: offer.mutating, timeoutMs: offer.timeoutMs }, 'task started');
    void execution
      .run()
      .catch((error: unknown) => {
        log.error({ err: { message: (error as Error).message } }, 'task run failed unexpectedly');
        return undefined;
      })
      .then((result) => this.finish(run, result));
  }

  private finish(run: ActiveRun, result: ResultFrame | undefined): void {
    clearInterval(run.renewTimer);
    this.runs.delete(run.offer.taskId);
    const durationMs = Date.now() - run.execution.startedAt;
    const outcome: TaskOutcome = result?.status ?? 'lost';
    this.options.metrics?.taskFinished(run.offer.kind, outcome, durationMs / 1000);
    this.options.log.info(
      {
        taskId: run.offer.taskId,
        kind: run.offer.kind,
        status: outcome,
        durationMs,
        ...(result?.error ? { code: result.error.code } : {}),
      },
      'task finished',
    );
    if (result !== undefined) this.awaitAck(result, run.renewEveryMs);
    this.changed();
  }

  /** Sends a result and keeps sending it every `everyMs` until it is acknowledged. */
  private awaitAck(result: ResultFrame, everyMs: number): void {
    this.unacked.set(result.taskId, result);
    this.send?.(result);
    clearInterval(this.resendTimers.get(result.taskId));
    const timer = setInterval(() => this.send?.(result), everyMs);
    timer.unref(); // a stopping process does not wait for an acknowledgement beyond its drain
    this.resendTimers.set(result.taskId, timer);
  }

  private scheduleRenewals(run: ActiveRun, renewEveryMs: number): void {
    clearInterval(run.renewTimer);
    run.renewEveryMs = renewEveryMs;
    run.renewTimer = setInterval(() => this.sendRenew(run), renewEveryMs);
  }

  private sendRenew(run: ActiveRun): void {
    this.send?.({ type: 'renew', taskId: run.offer.taskId, leaseId: run.execution.leaseId });
  }

  /** renewEveryMs when given, else a third of the time left on the lease. */
  private renewIntervalOf(lease: LeaseFrame): number {
    if (lease.renewEveryMs !== undefined) return lease.renewEveryMs;
    if (lease.expiresAt !== undefined) return Math.max(1_000, Math.floor((lease.expiresAt - Date.now()) / 3));
    return this.defaultRenewEveryMs;
  }

  /** Claims that will become running tasks (replays of finished ones take no slot). */
  private reservedClaims(): number {
    let count = 0;
    for (const claim of this.claims.values()) if (claim.replay === undefined) count++;
    return count;
  }

  private changed(): void {
    for (const listener of [...this.changeListeners]) listener();
  }

  /** Resolves true once `done()` holds, false after timeoutMs. */
  private waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (value: boolean) => {
        clearTimeout(timer);
        this.changeListeners.delete(check);
        resolve(value);
      };
      const check = () => {
        if (done()) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.changeListeners.add(check);
    });
  }
}
