import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { TaskKind } from '@conduit/protocol';
import { DataSource, EntityManager } from 'typeorm';
import { systemActor } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import type { Scope } from '../scopes/scope';
import { DomainEvents } from '../alerts/domain-events';
import { TaskEvents } from '../tasks/task-events';
import { ConnectorHostKeys } from './connector-host-keys';

/** The name status changes are audited under: Conduit observed them, nobody made them. */
export const MONITORING_ACTOR = 'conduit:monitoring';

export interface CheckRecord {
  status: 'SUCCESS' | 'FAILURE';
  stage: string | null;
  message: string;
  errors: Array<{ code: string; message: string; hint?: string }>;
  latencyMs: number | null;
  delegateName: string | null;
  taskId: string | null;
}

interface FinishedTestTask {
  id: string;
  connector_id: string;
  status: string;
  output: { status?: string; message?: string; details?: { latencyMs?: number } } | null;
  error: { code: string; message: string; hint?: string; stage?: string } | null;
  delegate_name: string | null;
  started_at: Date | null;
  finished_at: Date;
}

/** The connector's scope, read inside the caller's transaction (the embedded database serves one at a time). */
async function scopeOf(tx: EntityManager, connectorId: string): Promise<Scope> {
  const [row] = (await tx.query(
    `SELECT c.account_id, c.organization_id, c.project_id, a.identifier AS account, o.identifier AS org, p.identifier AS project
       FROM connectors c JOIN accounts a ON a.id = c.account_id
       LEFT JOIN organizations o ON o.id = c.organization_id LEFT JOIN projects p ON p.id = c.project_id
      WHERE c.id = $1`,
    [connectorId],
  )) as Array<{ account_id: string; organization_id: string | null; project_id: string | null; account: string; org: string | null; project: string | null }>;
  if (!row) throw new Error(`connector ${connectorId} vanished inside its own transaction`);
  return {
    level: row.project_id ? 'project' : row.organization_id ? 'org' : 'account',
    accountId: row.account_id,
    organizationId: row.organization_id,
    projectId: row.project_id,
    accountIdentifier: row.account,
    orgIdentifier: row.org,
    projectIdentifier: row.project,
  };
}

/**
 * Connection tests move a connector's status: SUCCESS → ACTIVE (and lastConnectedAt), FAILURE → FAILED
 * with the error; every outcome is kept as history. Listens for finished test tasks on whichever replica
 * finished them.
 */
@Injectable()
export class ConnectorChecks implements OnModuleInit {
  private readonly logger = new Logger(ConnectorChecks.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: TaskEvents,
    private readonly audit: AuditService,
    private readonly hostKeys: ConnectorHostKeys,
    private readonly domainEvents: DomainEvents,
  ) {}

  onModuleInit(): void {
    this.events.on('finished', (taskId, { kind }) => {
      if (kind === TaskKind.ConnectorTest) void this.onTaskFinished(taskId).catch((error) => this.logger.warn({ err: error, taskId }, 'could not record a connection test'));
    });
  }

  async onTaskFinished(taskId: string): Promise<void> {
    const [task] = (await this.dataSource.query(
      `SELECT id, connector_id, status, output, error, delegate_name, started_at, finished_at FROM tasks
        WHERE id = $1 AND kind = $2 AND connector_id IS NOT NULL AND finished_at IS NOT NULL`,
      [taskId, TaskKind.ConnectorTest],
    )) as FinishedTestTask[];
    if (!task) return;
    const success = task.status === 'succeeded' && task.output?.status === 'SUCCESS';
    const latency = task.output?.details?.latencyMs ?? (task.started_at ? new Date(task.finished_at).getTime() - new Date(task.started_at).getTime() : null);
    const error = task.error ?? { code: task.status.toUpperCase(), message: `the test task ended ${task.status}` };
    if (!success) await this.hostKeys.recordPresented(task.connector_id, task.error?.code, task.output);
    await this.record(task.connector_id, {
      status: success ? 'SUCCESS' : 'FAILURE',
      stage: success ? null : (error.stage ?? null),
      message: success ? (task.output?.message ?? 'connected') : error.message,
      errors: success ? [] : [{ code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) }],
      latencyMs: latency,
      delegateName: task.delegate_name,
      taskId: task.id,
    });
  }

  /**
   * Records one outcome and moves the connector's status (once per task); a change of status is kept in
   * the status history with its time and audited.
   */
  async record(connectorId: string, check: CheckRecord, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const changed = await manager.transaction(async (tx) => {
      const [connector] = (await tx.query(`SELECT status, identifier FROM connectors WHERE id = $1 FOR UPDATE`, [connectorId])) as Array<{ status: string; identifier: string }>;
      if (!connector) return;
      const inserted = (await tx.query(
        `INSERT INTO connector_checks (connector_id, task_id, status, stage, message, errors, latency_ms, delegate_name, previous_status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (task_id) DO NOTHING RETURNING id`,
        [connectorId, check.taskId, check.status, check.stage, check.message, JSON.stringify(check.errors), check.latencyMs, check.delegateName, connector.status],
      )) as Array<{ id: string }>;
      if (!inserted[0]) return undefined;
      const success = check.status === 'SUCCESS';
      const status = success ? 'ACTIVE' : 'FAILED';
      await tx.query(
        `UPDATE connectors SET status = $2, error_summary = $3, errors = $4, last_tested_at = now(),
                last_connected_at = CASE WHEN $5 THEN now() ELSE last_connected_at END
          WHERE id = $1`,
        [connectorId, status, success ? null : check.message, JSON.stringify(check.errors), success],
      );
      if (status === connector.status) return undefined;
      await tx.query(`INSERT INTO connector_status_changes (connector_id, from_status, to_status, reason, task_id) VALUES ($1, $2, $3, $4, $5)`, [
        connectorId,
        connector.status,
        status,
        check.message,
        check.taskId,
      ]);
      const scope = await scopeOf(tx, connectorId);
      await this.audit.record(tx, systemActor(MONITORING_ACTOR, scope.accountId), {
        action: 'connector.status-change',
        resourceType: 'connector',
        resourceId: connectorId,
        resourceRef: connector.identifier,
        scope,
        changes: [{ path: 'status', before: connector.status, after: status }],
      });
      return { connectorId, from: connector.status, to: status, message: check.message, checkId: String(inserted[0].id) };
    });
    if (changed) this.domainEvents.emit('connector.status-changed', changed);
  }

  history(connectorId: string, limit: number) {
    return this.dataSource.query(
      `SELECT id, task_id AS "taskId", status, stage, message, errors, latency_ms AS "latencyMs", delegate_name AS "delegate",
              previous_status AS "previousStatus", tested_at AS "testedAt"
         FROM connector_checks WHERE connector_id = $1 ORDER BY tested_at DESC LIMIT $2`,
      [connectorId, limit],
    ) as Promise<Array<Record<string, unknown>>>;
  }

  /** Every status the connector moved through, newest first, with when and why. */
  statusHistory(connectorId: string, limit: number) {
    return this.dataSource.query(
      `SELECT from_status AS "from", to_status AS "to", reason, task_id AS "taskId", changed_at AS "changedAt"
         FROM connector_status_changes WHERE connector_id = $1 ORDER BY changed_at DESC, id DESC LIMIT $2`,
      [connectorId, limit],
    ) as Promise<Array<{ from: string; to: string; reason: string | null; taskId: string | null; changedAt: Date }>>;
  }
}
