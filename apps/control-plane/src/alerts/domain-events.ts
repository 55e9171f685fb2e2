import { Global, Injectable, Module } from '@nestjs/common';
import { EventEmitter } from 'node:events';

export interface ConnectorStatusChanged {
  connectorId: string;
  from: string;
  to: string;
  /** The check's message (already masked by the delegate that ran it). */
  message: string;
  /** The connector check that moved the status: one firing per check, whichever replica sees it. */
  checkId: string;
}

/**
 * What happened in the domain that alert rules listen to, emitted on the replica where it was committed
 * (connector checks and execution outcomes are recorded once, so each event is emitted once).
 */
@Injectable()
export class DomainEvents extends EventEmitter<{ 'connector.status-changed': [ConnectorStatusChanged]; 'pipeline.failed': [executionId: string] }> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}

@Global()
@Module({ providers: [DomainEvents], exports: [DomainEvents] })
export class DomainEventsModule {}
