import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** In-process notice that a task reached a terminal state, so waiters on this replica wake at once. */
@Injectable()
export class TaskEvents extends EventEmitter<{ finished: [taskId: string] }> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}
