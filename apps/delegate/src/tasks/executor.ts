import type { z } from 'zod';
import type { SecretPayload } from '@conduit/crypto';
import type { LogFrame, ProgressFrame, TaskError, TaskStage } from '@conduit/protocol';

export type LogStream = LogFrame['stream'];
export type StageStatus = ProgressFrame['status'];

/** What an executor gets: its validated payload, the task's opened secrets, and the ways to report. */
export interface ExecutorContext<P> {
  payload: P;
  /** Opened secret values by the reference the task uses for them. In memory for the task's duration only. */
  secrets: ReadonlyMap<string, SecretPayload>;
  /** Aborted on cancel, timeout, lost lease or drain; executors stop promptly and kill what they started. */
  signal: AbortSignal;
  /** Output; masked on its way out. */
  log(stream: LogStream, text: string): void;
  /** A lifecycle stage (beyond the runner's validation, authentication and operation) started or ended. */
  progress(stage: TaskStage, status: StageStatus, message?: string): void;
  /** The delegate's variables a connector may inherit (InheritFromDelegate credentials, SDK endpoint overrides). */
  environment?: Readonly<Record<string, string | undefined>>;
}

export interface ExecutorResult {
  output?: Record<string, unknown>;
}

/** One task kind: the payload it accepts and the work. */
export interface TaskExecutor<P = unknown> {
  payload: z.ZodType<P>;
  run(ctx: ExecutorContext<P>): Promise<ExecutorResult>;
}

export function defineExecutor<P>(executor: TaskExecutor<P>): TaskExecutor<P> {
  return executor;
}

/** A failure an executor (or the runner) reports on purpose: a code per failure kind and a message to act on. */
export class TaskFailure extends Error {
  override readonly name = 'TaskFailure';

  constructor(
    readonly code: string,
    message: string,
    readonly details: { stage?: TaskStage; hint?: string } = {},
    /** What the work produced before it failed (a pipeline stage's step results), sent with the failure. */
    readonly output?: Record<string, unknown>,
  ) {
    super(message);
  }

  toTaskError(): TaskError {
    return { code: this.code, message: this.message, ...this.details };
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
