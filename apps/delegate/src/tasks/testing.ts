/** Test support for the task runner: a scripted control-plane side that records what the delegate sends. */
import { randomUUID } from 'node:crypto';
import { encodeSecretPayload, GroupKeyPair, sealForGroups, SecretPayload } from '@conduit/crypto';
import type { DelegateFrame, TaskOfferFrame, TaskSecret } from '@conduit/protocol';

type FrameOf<T extends DelegateFrame['type']> = Extract<DelegateFrame, { type: T }>;

/** Collects frames sent by the delegate and lets a test wait for the one it expects. */
export class FrameRecorder {
  readonly frames: DelegateFrame[] = [];
  private readonly waiters = new Set<() => void>();

  readonly send = (frame: DelegateFrame): void => {
    // Through JSON, as on the wire: what is compared is what the control plane would receive.
    this.frames.push(JSON.parse(JSON.stringify(frame)) as DelegateFrame);
    for (const waiter of [...this.waiters]) waiter();
  };

  of<T extends DelegateFrame['type']>(type: T, taskId?: string): FrameOf<T>[] {
    return this.frames.filter(
      (f): f is FrameOf<T> => f.type === type && (taskId === undefined || (f as { taskId?: string }).taskId === taskId),
    );
  }

  /** Every frame about one task, in the order sent. */
  about(taskId: string): DelegateFrame[] {
    return this.frames.filter((f) => (f as { taskId?: string }).taskId === taskId);
  }

  /** Resolves with the first frame of `type` (for `taskId`) that satisfies `match`, waiting up to timeoutMs. */
  next<T extends DelegateFrame['type']>(
    type: T,
    taskId?: string,
    match: (frame: FrameOf<T>) => boolean = () => true,
    timeoutMs = 3_000,
  ): Promise<FrameOf<T>> {
    const find = () => this.of(type, taskId).find(match);
    return new Promise((resolve, reject) => {
      const found = find();
      if (found) return resolve(found);
      const check = () => {
        const frame = find();
        if (!frame) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(frame);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `no ${type} frame${taskId ? ` for task ${taskId}` : ''} within ${timeoutMs} ms; got ${this.frames.map((f) => f.type).join(', ')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
    });
  }
}

export function offerOf(
  kind: string,
  payload: Record<string, unknown>,
  overrides: Partial<TaskOfferFrame> = {},
): TaskOfferFrame {
  return {
    type: 'task_offer',
    taskId: randomUUID(),
    kind,
    attempt: 1,
    mutating: false,
    timeoutMs: 10_000,
    payload,
    secrets: [],
    ...overrides,
  };
}

/** A secret as the control plane would send it: sealed for `group` with the group's public key. */
export function sealedSecret(
  ref: string,
  payload: SecretPayload,
  group: string,
  key: Pick<GroupKeyPair, 'publicKey'>,
): TaskSecret {
  const context = { secretId: `secret:acme/eng/-/${ref.replace(/^\w+\./, '')}`, version: 3 };
  const sealed = sealForGroups(encodeSecretPayload(payload), context, [{ groupId: group, publicKey: key.publicKey }]);
  return { ref, ...context, kind: payload.kind, sealed: sealed as unknown as Record<string, unknown> };
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `condition` holds (for state that changes without a frame, like the running count). */
export async function until(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}
