import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { RawTask } from './task-dispatcher';

/** What a finished notice says about the task, so listeners can ignore tasks that are not theirs without a read. */
export interface FinishedTask {
  kind: string;
  executionId: string | null;
  /** The committed row, when the one who finished it has it: a waiter on this replica need not read it again. */
  row?: RawTask;
}

/** In-process notice that a task reached a terminal state, so waiters on this replica wake at once. */
@Injectable()
export class TaskEvents extends EventEmitter<{ finished: [taskId: string, task: FinishedTask] }> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}
