import { Injectable } from '@nestjs/common';
import type { ClaimFrame, ControlPlaneFrame, LogFrame, ProgressFrame, RenewFrame, ResultFrame } from '@conduit/protocol';
import { EventEmitter } from 'node:events';

/** The frames of a task's lifecycle, handed from the socket to the task domain. */
export type TaskFrame = ClaimFrame | RenewFrame | ProgressFrame | LogFrame | ResultFrame;

export interface DelegateSessionEvents {
  connected: [delegateId: string];
}

export type TaskFrameHandler = (delegateId: string, frame: TaskFrame) => Promise<void>;

/**
 * The delegates whose sockets live on this replica, by id. The gateway adds and removes them and hands
 * their task frames to the handler the task domain registers; the dispatcher sends through here. Neither
 * knows the other.
 */
@Injectable()
export class DelegateSessions extends EventEmitter<DelegateSessionEvents> {
  private readonly senders = new Map<string, (frame: ControlPlaneFrame) => void>();
  private taskFrameHandler?: TaskFrameHandler;
  /**
   * The last frame being handled per delegate and task. One task's frames are handled in the order they arrived
   * (claim, progress, result), while different tasks on the same socket proceed side by side: a delegate running
   * 16 tasks does not wait for one task's database write before the next task's claim is looked at.
   */
  private readonly taskTails = new Map<string, Promise<void>>();

  onTaskFrame(handler: TaskFrameHandler): void {
    this.taskFrameHandler = handler;
  }

  /** Resolves (or rejects) when this frame is handled, after the earlier frames of the same task. */
  handleTaskFrame(delegateId: string, frame: TaskFrame): Promise<void> {
    const key = `${delegateId}/${frame.taskId}`;
    const handled = (this.taskTails.get(key) ?? Promise.resolve()).then(() => this.taskFrameHandler?.(delegateId, frame));
    const tail = handled.catch(() => undefined);
    this.taskTails.set(key, tail);
    void tail.then(() => {
      if (this.taskTails.get(key) === tail) this.taskTails.delete(key);
    });
    return handled;
  }

  attach(delegateId: string, send: (frame: ControlPlaneFrame) => void): void {
    this.senders.set(delegateId, send);
    this.emit('connected', delegateId);
  }

  detach(delegateId: string, send: (frame: ControlPlaneFrame) => void): void {
    // A delegate that reconnected on this replica already replaced its sender: leave the new one.
    if (this.senders.get(delegateId) !== send) return;
    this.senders.delete(delegateId);
  }

  /** False when the delegate is not (or no longer) connected to this replica. */
  send(delegateId: string, frame: ControlPlaneFrame): boolean {
    const send = this.senders.get(delegateId);
    if (!send) return false;
    send(frame);
    return true;
  }

  get size(): number {
    return this.senders.size;
  }
}
