import { MaskingLineBuffer, SecretMasker, SecretPayload } from '@conduit/crypto';
import type { LogFrame, ProgressFrame, ResultFrame, TaskError, TaskOfferFrame, TaskStage } from '@conduit/protocol';
import { ExecutorContext, LogStream, StageStatus, TaskExecutor, TaskFailure } from './executor';
import { OpeningGroupKey, openTaskSecrets } from './secrets';

/** Why a task was stopped before its executor finished. */
export type AbortCause =
  | { kind: 'cancel'; reason: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'drain'; graceMs: number }
  | { kind: 'lease-lost'; reason?: string };

/** The reason an AbortSignal carries, so executors (and their child processes) see why they were stopped. */
export class TaskAborted extends Error {
  override readonly name = 'TaskAborted';

  constructor(readonly abortCause: AbortCause) {
    super(`task aborted: ${abortCause.kind}`);
  }
}

type ResultStage = ResultFrame['stages'][number];

const MAX_MESSAGE = 4096;
const MAX_HINT = 1024;
const MAX_STAGES = 16;
/** Characters per log frame: far under the frame limit even when every character is JSON-escaped. */
const LOG_CHUNK_CHARS = 16 * 1024;
/** Output a task may send; beyond it the rest is dropped with one notice. */
const MAX_TASK_OUTPUT_CHARS = 8 * 1024 * 1024;
/** A result's output beyond this is refused (the frame limit is 1 MiB for the whole result). */
const MAX_OUTPUT_JSON_CHARS = 256 * 1024;
/** setTimeout's ceiling; a longer timeout would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

export interface TaskExecutionOptions {
  offer: TaskOfferFrame;
  leaseId: string;
  executor: TaskExecutor<unknown>;
  groupKey: OpeningGroupKey | undefined;
  /** Sends a progress or log frame for this task (dropped while disconnected). */
  send(frame: ProgressFrame | LogFrame): void;
  /** How long an aborted executor may take to stop before it is abandoned and the result is sent anyway. */
  abortGraceMs: number;
  /** For the delegate's own log: never values, only references. */
  warn(message: string): void;
  now?: () => number;
}

/**
 * One run of one task under one lease: validate the payload, open its secrets into a per-task masker,
 * run the executor with an AbortSignal, and turn what happened into the result frame. Every piece of
 * text that leaves (log data, progress and stage messages, output, error messages) goes through the
 * masker first. Stages: validation, authentication (when the task has secrets), operation.
 */
export class TaskExecution {
  /** The lease id every frame carries; the runner replaces it when the control plane re-grants the task. */
  leaseId: string;
  readonly startedAt: number;
  private readonly offer: TaskOfferFrame;
  private readonly masker = new SecretMasker();
  private readonly streams = new Map<LogStream, MaskingLineBuffer>();
  private readonly controller = new AbortController();
  private readonly openStages = new Map<TaskStage, number>();
  private readonly stages: ResultStage[] = [];
  private readonly now: () => number;
  private seq = 0;
  private outputChars = 0;
  private cause?: AbortCause;
  private closed = false;
  private timeoutTimer?: NodeJS.Timeout;

  constructor(private readonly options: TaskExecutionOptions) {
    this.offer = options.offer;
    this.leaseId = options.leaseId;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  get aborted(): AbortCause | undefined {
    return this.cause;
  }

  /** Stops the work; the first cause wins. */
  abort(cause: AbortCause): void {
    if (this.cause !== undefined || this.closed) return;
    this.cause = cause;
    this.controller.abort(new TaskAborted(cause));
  }

  /** Runs the task to its result; undefined when the lease was lost (nothing more may be sent for it). */
  async run(): Promise<ResultFrame | undefined> {
    const timeoutMs = Math.min(this.offer.timeoutMs, MAX_TIMER_MS);
    this.timeoutTimer = setTimeout(() => this.abort({ kind: 'timeout', timeoutMs }), timeoutMs);
    let outcome: { output?: Record<string, unknown> } | { error: TaskError; output?: Record<string, unknown> };
    try {
      outcome = await this.execute();
    } catch (error) {
      outcome = { error: this.errorOf(error), ...(error instanceof TaskFailure && error.output ? { output: error.output } : {}) };
    } finally {
      clearTimeout(this.timeoutTimer);
    }
    if (this.cause?.kind === 'lease-lost') {
      this.closed = true;
      return undefined;
    }
    return this.close(outcome);
  }

  private async execute(): Promise<{ output?: Record<string, unknown> }> {
    const { executor } = this.options;
    const payload = this.stage('validation', () => {
      const parsed = executor.payload.safeParse(this.offer.payload);
      if (parsed.success) return parsed.data;
      const problems = parsed.error.issues.map(
        (issue) => `payload${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}`,
      );
      throw new TaskFailure('BAD_PAYLOAD', `${this.offer.kind}: ${problems.join('; ')}`, { stage: 'validation' });
    });
    let secrets: ReadonlyMap<string, SecretPayload> = new Map();
    if (this.offer.secrets.length > 0) {
      secrets = this.stage('authentication', () => {
        const opened = openTaskSecrets(this.offer.secrets, this.options.groupKey, this.masker);
        for (const ref of opened.unmaskable) {
          this.options.warn(`secret '${ref}' is too short to be masked`);
          this.log(
            'system',
            `warning: secret '${ref}' is shorter than ${this.masker.minLength} characters and cannot be masked in output\n`,
          );
        }
        return opened.values;
      });
    }
    this.progress('operation', 'started');
    const context: ExecutorContext<unknown> = {
      payload,
      secrets,
      signal: this.controller.signal,
      log: (stream, text) => this.log(stream, text),
      progress: (stage, status, message) => this.progress(stage, status, message),
    };
    const result = await this.untilStoppedOrAbandoned(executor.run(context));
    this.progress('operation', 'succeeded');
    return result.output !== undefined ? { output: result.output } : {};
  }

  /** The executor's own promise, unless it ignores an abort for longer than the grace period. */
  private untilStoppedOrAbandoned<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let graceTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        graceTimer = setTimeout(() => {
          this.options.warn(
            `executor of task ${this.offer.taskId} did not stop within ${this.options.abortGraceMs} ms of being aborted; abandoning it`,
          );
          reject(this.controller.signal.reason);
        }, this.options.abortGraceMs);
      };
      const settle = () => {
        clearTimeout(graceTimer);
        this.controller.signal.removeEventListener('abort', onAbort);
      };
      if (this.controller.signal.aborted) onAbort();
      else this.controller.signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => (settle(), resolve(value)),
        (error: unknown) => (settle(), reject(error)),
      );
    });
  }

  private stage<T>(stage: TaskStage, work: () => T): T {
    this.progress(stage, 'started');
    const value = work();
    this.progress(stage, 'succeeded');
    return value;
  }

  private log(stream: LogStream, text: string): void {
    if (this.closed || this.cause?.kind === 'lease-lost' || text.length === 0) return;
    let buffer = this.streams.get(stream);
    if (buffer === undefined) {
      buffer = new MaskingLineBuffer(this.masker);
      this.streams.set(stream, buffer);
    }
    this.sendLog(stream, buffer.push(text));
  }

  private sendLog(stream: LogStream, data: string): void {
    if (data.length === 0 || this.outputChars >= MAX_TASK_OUTPUT_CHARS) return;
    let text = data;
    if (this.outputChars + text.length > MAX_TASK_OUTPUT_CHARS) {
      text = `${cut(text, MAX_TASK_OUTPUT_CHARS - this.outputChars)}\n[output truncated: this task wrote more than ${MAX_TASK_OUTPUT_CHARS} characters]\n`;
    }
    this.outputChars += text.length;
    for (let at = 0; at < text.length;) {
      const chunk = cut(text.slice(at), LOG_CHUNK_CHARS);
      at += chunk.length;
      this.options.send({
        type: 'log',
        taskId: this.offer.taskId,
        leaseId: this.leaseId,
        seq: this.seq++,
        stream,
        data: chunk,
      });
    }
  }

  private progress(stage: TaskStage, status: StageStatus, message?: string): void {
    if (this.closed || this.cause?.kind === 'lease-lost') return;
    const masked = message !== undefined ? truncate(this.masker.mask(message), MAX_MESSAGE) : undefined;
    let durationMs: number | undefined;
    if (status === 'started') {
      this.openStages.set(stage, this.now());
    } else {
      const started = this.openStages.get(stage);
      this.openStages.delete(stage);
      durationMs = started !== undefined ? Math.max(0, this.now() - started) : 0;
      if (this.stages.length < MAX_STAGES) {
        this.stages.push({ stage, status, durationMs, ...(masked !== undefined ? { message: masked } : {}) });
      }
    }
    this.options.send({
      type: 'progress',
      taskId: this.offer.taskId,
      leaseId: this.leaseId,
      seq: this.seq++,
      stage,
      status,
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(masked !== undefined ? { message: masked } : {}),
    });
  }

  private close(outcome: { output?: Record<string, unknown> } | { error: TaskError; output?: Record<string, unknown> }): ResultFrame {
    for (const [stream, buffer] of this.streams) this.sendLog(stream, buffer.flush());
    let status: ResultFrame['status'] = 'error' in outcome ? 'failed' : 'succeeded';
    let error = 'error' in outcome ? outcome.error : undefined;
    let output = 'output' in outcome ? outcome.output : undefined;
    if (error !== undefined && this.cause !== undefined) {
      // The executor stopped because it was aborted: report why, not the abort error it threw.
      ({ status, error } = this.abortOutcome(this.cause, error));
    }
    if (output !== undefined) {
      output = this.maskOutput(output);
      if (JSON.stringify(output).length > MAX_OUTPUT_JSON_CHARS) {
        status = 'failed';
        error = {
          code: 'OUTPUT_TOO_LARGE',
          message: `${this.offer.kind}: output exceeds ${MAX_OUTPUT_JSON_CHARS} characters of JSON`,
          stage: 'operation',
        };
        output = undefined;
      }
    }
    if (error !== undefined) error = this.maskError(error);
    for (const stage of [...this.openStages.keys()]) {
      this.progress(stage, 'failed', error?.message ?? status);
    }
    this.closed = true;
    return {
      type: 'result',
      taskId: this.offer.taskId,
      leaseId: this.leaseId,
      status,
      ...(output !== undefined ? { output } : {}),
      ...(error !== undefined ? { error } : {}),
      stages: this.stages,
      startedAt: this.startedAt,
      finishedAt: this.now(),
    };
  }

  private abortOutcome(cause: AbortCause, thrown: TaskError): { status: ResultFrame['status']; error: TaskError } {
    const stage = [...this.openStages.keys()].pop() ?? thrown.stage;
    const at = stage !== undefined ? { stage } : {};
    switch (cause.kind) {
      case 'cancel':
        return { status: 'cancelled', error: { code: 'CANCELLED', message: `cancelled: ${cause.reason}`, ...at } };
      case 'drain':
        return {
          status: 'cancelled',
          error: {
            code: 'DELEGATE_DRAINING',
            message: `cancelled: the delegate is shutting down and the task did not finish within ${cause.graceMs} ms`,
            ...at,
          },
        };
      case 'timeout':
        return {
          status: 'failed',
          error: {
            code: 'TIMEOUT',
            message: `${this.offer.kind}: did not finish within its timeout of ${cause.timeoutMs} ms`,
            ...at,
          },
        };
      case 'lease-lost':
        return { status: 'failed', error: thrown };
    }
  }

  private errorOf(error: unknown): TaskError {
    if (error instanceof TaskFailure) {
      const stage = error.details.stage ?? [...this.openStages.keys()].pop();
      return { ...error.toTaskError(), ...(stage !== undefined ? { stage } : {}) };
    }
    const stage = [...this.openStages.keys()].pop();
    const message = error instanceof Error ? error.message : String(error);
    return {
      code: 'EXECUTOR_FAILED',
      message: `${this.offer.kind}: ${message}`,
      ...(stage !== undefined ? { stage } : {}),
    };
  }

  private maskError(error: TaskError): TaskError {
    return {
      ...error,
      message: truncate(this.masker.mask(error.message), MAX_MESSAGE),
      ...(error.hint !== undefined ? { hint: truncate(this.masker.mask(error.hint), MAX_HINT) } : {}),
    };
  }

  /** Masks the JSON text of the output (so encoded forms are caught too) and parses it back. */
  private maskOutput(output: Record<string, unknown>): Record<string, unknown> {
    const masked = this.masker.mask(JSON.stringify(output));
    try {
      return JSON.parse(masked) as Record<string, unknown>;
    } catch {
      // A value holding quotes or braces can mask across JSON syntax; then mask each string instead.
      return maskDeep(output, (text) => this.masker.mask(text)) as Record<string, unknown>;
    }
  }
}

function maskDeep(value: unknown, mask: (text: string) => string): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, mask));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [mask(key), maskDeep(item, mask)]));
  }
  return value;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${cut(text, max - 1)}…`;
}

/** The first `max` characters, not splitting a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
