import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { TaskKind } from '@conduit/protocol';
import { DataSource, EntityManager } from 'typeorm';
import { TaskEvents } from '../tasks/task-events';

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

  /** Records one outcome and moves the connector's status (once per task). */
  async record(connectorId: string, check: CheckRecord, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.transaction(async (tx) => {
      const [connector] = (await tx.query(`SELECT status FROM connectors WHERE id = $1 FOR UPDATE`, [connectorId])) as Array<{ status: string }>;
      if (!connector) return;
      const inserted = (await tx.query(
        `INSERT INTO connector_checks (connector_id, task_id, status, stage, message, errors, latency_ms, delegate_name, previous_status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (task_id) DO NOTHING RETURNING id`,
        [connectorId, check.taskId, check.status, check.stage, check.message, JSON.stringify(check.errors), check.latencyMs, check.delegateName, connector.status],
      )) as unknown[];
      if (!inserted.length) return;
      const success = check.status === 'SUCCESS';
      await tx.query(
        `UPDATE connectors SET status = $2, error_summary = $3, errors = $4, last_tested_at = now(),
                last_connected_at = CASE WHEN $5 THEN now() ELSE last_connected_at END
          WHERE id = $1`,
        [connectorId, success ? 'ACTIVE' : 'FAILED', success ? null : check.message, JSON.stringify(check.errors), success],
      );
    });
  }

  history(connectorId: string, limit: number) {
    return this.dataSource.query(
      `SELECT id, task_id AS "taskId", status, stage, message, errors, latency_ms AS "latencyMs", delegate_name AS "delegate",
              previous_status AS "previousStatus", tested_at AS "testedAt"
         FROM connector_checks WHERE connector_id = $1 ORDER BY tested_at DESC LIMIT $2`,
      [connectorId, limit],
    ) as Promise<Array<Record<string, unknown>>>;
  }
}
