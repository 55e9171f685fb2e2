import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { getConnectorType } from '@conduit/connectors';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { systemActor } from '../auth/actor';
import { CONFIG, ConduitConfig } from '../config/config';
import { ScopesService } from '../scopes/scopes.service';
import { ConnectorEntity } from './connector.entity';
import { ConnectorTestsService } from './connector-tests.service';

/** The name periodic tests run and are audited under; its own tests do not keep a connector "in use". */
export const VALIDATION_ACTOR = 'conduit:validation';
const DAY_MS = 86_400_000;
const CLAIM_BATCH = 100;

/** A connector's stable place within the interval (ms): the same on every replica and across restarts. */
export function validationOffset(connectorId: string, intervalMs: number): number {
  return createHash('sha256').update(connectorId).digest().readUIntBE(0, 6) % intervalMs;
}

/** The connector's first slot strictly after `now`: its offset plus a whole number of intervals. */
export function nextValidationAt(connectorId: string, intervalMs: number, now: number): number {
  const offset = validationOffset(connectorId, intervalMs);
  return (Math.floor((now - offset) / intervalMs) + 1) * intervalMs + offset;
}

/**
 * Periodic validation. A connector is in use when a pipeline references it, or when a person (not this
 * scheduler) created a task for it — a test, an operation, a pipeline step — within
 * CONNECTOR_VALIDATION_IN_USE_DAYS. Each connector in use has one row in connector_validations with its next
 * slot; every replica looks for due rows, and the row lock (SKIP LOCKED) plus moving the slot forward in the
 * same transaction means exactly one replica starts each check. Outcomes are recorded like any test.
 */
@Injectable()
export class ConnectorValidation implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConnectorValidation.name);
  private timer?: NodeJS.Timeout;
  private ticking = false;

  constructor(
    @Inject(CONFIG) private readonly config: ConduitConfig,
    private readonly dataSource: DataSource,
    private readonly scopes: ScopesService,
    private readonly tests: ConnectorTestsService,
  ) {}

  onApplicationBootstrap(): void {
    // A hundredth of the interval (within 250 ms … 10 s): the spread stays fine-grained, the polling cheap.
    const every = Math.min(10_000, Math.max(250, Math.floor(this.config.CONNECTOR_VALIDATION_INTERVAL_MS / 100)));
    this.timer = setInterval(() => void this.tick().catch((error) => this.logger.warn({ err: error }, 'periodic validation failed; retrying next tick')), every);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  /** Stops this replica's timer (tests drive tick() with their own clock instead). */
  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass at time `now`: keeps the slots in step with what is in use, then starts the due checks. */
  async tick(now = Date.now()): Promise<string[]> {
    if (this.ticking) return [];
    this.ticking = true;
    try {
      await this.plan(now);
      const due = await this.claimDue(now);
      for (const connectorId of due) {
        await this.start(connectorId).catch((error) => this.logger.warn({ err: error, connectorId }, 'could not start a periodic connector test'));
      }
      return due;
    } finally {
      this.ticking = false;
    }
  }

  private async plan(now: number): Promise<void> {
    const interval = this.config.CONNECTOR_VALIDATION_INTERVAL_MS;
    const since = new Date(now - this.config.CONNECTOR_VALIDATION_IN_USE_DAYS * DAY_MS);
    const inUse = `(EXISTS (SELECT 1 FROM pipeline_connector_refs r
                             WHERE r.account_id = c.account_id AND r.organization_id IS NOT DISTINCT FROM c.organization_id
                               AND r.project_id IS NOT DISTINCT FROM c.project_id AND r.identifier = c.identifier)
                    OR EXISTS (SELECT 1 FROM tasks t WHERE t.connector_id = c.id AND t.queued_at > $1 AND t.created_by <> $2))`;
    await this.dataSource.query(
      `DELETE FROM connector_validations v USING connectors c WHERE c.id = v.connector_id AND NOT ${inUse}`,
      [since, VALIDATION_ACTOR],
    );
    const unscheduled = (await this.dataSource.query(
      `SELECT c.id, c.type FROM connectors c
        WHERE NOT EXISTS (SELECT 1 FROM connector_validations v WHERE v.connector_id = c.id) AND ${inUse}`,
      [since, VALIDATION_ACTOR],
    )) as Array<{ id: string; type: string }>;
    // Types without a connection test cannot be validated; they keep their status until they can.
    const testable = unscheduled.filter((c) => getConnectorType(c.type)?.operations);
    if (!testable.length) return;
    await this.dataSource.query(
      `INSERT INTO connector_validations (connector_id, due_at) SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) ON CONFLICT DO NOTHING`,
      [testable.map((c) => c.id), testable.map((c) => new Date(nextValidationAt(c.id, interval, now)))],
    );
  }

  /** Claims the due slots no other replica holds and moves each to its next slot, in one transaction. */
  private claimDue(now: number): Promise<string[]> {
    const interval = this.config.CONNECTOR_VALIDATION_INTERVAL_MS;
    return this.dataSource.transaction(async (manager) => {
      const due = (await manager.query(
        `SELECT connector_id FROM connector_validations WHERE due_at <= $1 ORDER BY due_at LIMIT ${CLAIM_BATCH} FOR UPDATE SKIP LOCKED`,
        [new Date(now)],
      )) as Array<{ connector_id: string }>;
      if (!due.length) return [];
      const ids = due.map((d) => d.connector_id);
      await manager.query(
        `UPDATE connector_validations v SET due_at = n.due_at FROM unnest($1::uuid[], $2::timestamptz[]) AS n(connector_id, due_at) WHERE v.connector_id = n.connector_id`,
        [ids, ids.map((id) => new Date(nextValidationAt(id, interval, now)))],
      );
      return ids;
    });
  }

  private async start(connectorId: string): Promise<void> {
    const connector = await this.dataSource.getRepository(ConnectorEntity).findOneBy({ id: connectorId });
    if (!connector) return;
    // A check still waiting for a delegate is not doubled up: the next slot will try again.
    const [pending] = (await this.dataSource.query(
      `SELECT 1 FROM tasks WHERE connector_id = $1 AND created_by = $2 AND status IN ('queued', 'offered', 'claimed', 'running') LIMIT 1`,
      [connectorId, VALIDATION_ACTOR],
    )) as unknown[];
    if (pending) return;
    const scope = await this.scopes.fromIds(connector.accountId, connector.organizationId, connector.projectId);
    await this.tests.test(systemActor(VALIDATION_ACTOR, connector.accountId), scope, connector, undefined);
  }
}
