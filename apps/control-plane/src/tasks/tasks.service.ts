import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { TASK_TIMEOUT_MS } from '@conduit/protocol';
import { randomUUID } from 'node:crypto';
import { DataSource, In, Repository } from 'typeorm';
import { ApiError } from '../common/api-error';
import { coalesced } from '../common/coalesced';
import type { Scope } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import { SecretsService } from '../secrets/secrets.service';
import { TaskEntity, TERMINAL_STATUSES } from './task.entity';
import { TaskAdmission } from './task-admission';
import { RawTask, TaskDispatcher } from './task-dispatcher';
import { FinishedTask, TaskEvents } from './task-events';

/** Read-only kinds may run again elsewhere after a lost lease; mutating ones never run twice. */
const MUTATING_KINDS = new Set(['sleep-mutating', 'pipeline.ci', 'pipeline.deploy', 'notification.send']);
const READ_ONLY_ATTEMPTS = 3;

export interface NewTask {
  kind: string;
  payload: Record<string, unknown>;
  selectors: string[];
  secrets: string[];
  connectorId?: string | null;
  executionId?: string | null;
  /** Overrides the kind's default, for kinds whose payload decides (a connector operation that runs a command). */
  mutating?: boolean;
  timeoutMs?: number | undefined;
  queueTimeoutMs: number;
}

@Injectable()
export class TasksService {
  /** Concurrent reads of tasks (clients waiting on their results) share one query. */
  private readonly byId = coalesced<string, TaskEntity>(async (ids) => {
    const rows = await this.tasks.findBy({ id: In([...ids]) });
    const found = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => found.get(id));
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly admission: TaskAdmission,
    private readonly dispatcher: TaskDispatcher,
    private readonly events: TaskEvents,
    private readonly scopes: ScopesService,
    private readonly secrets: SecretsService,
    @InjectRepository(TaskEntity) private readonly tasks: Repository<TaskEntity>,
  ) {}

  /** Records the task, routed at once if a delegate is free (otherwise the sweeper will route it). */
  async create(createdBy: string, scope: Scope, input: NewTask, id: string = randomUUID()): Promise<TaskEntity> {
    await this.admission.admit(scope);
    const missing = await this.secrets.missing(scope, input.secrets.map((ref, i) => ({ path: `secrets[${i}]`, ref })));
    if (missing.length) throw ApiError.badRequest(missing[0]?.message ?? 'secret not found', missing.map((m) => ({ path: m.path, message: m.message })));
    const mutating = input.mutating ?? MUTATING_KINDS.has(input.kind);
    const row = await this.dispatcher.admit({
      id,
      accountId: scope.accountId,
      organizationId: scope.organizationId,
      projectId: scope.projectId,
      kind: input.kind,
      mutating,
      connectorId: input.connectorId ?? null,
      executionId: input.executionId ?? null,
      payload: input.payload,
      secretRefs: input.secrets,
      selectors: [...new Set(input.selectors.map((s) => s.toLowerCase()))],
      maxAttempts: mutating ? 1 : READ_ONLY_ATTEMPTS,
      timeoutMs: input.timeoutMs ?? TASK_TIMEOUT_MS[input.kind] ?? 60_000,
      deadlineAt: new Date(Date.now() + input.queueTimeoutMs),
      createdBy,
    });
    return this.entityOf(row);
  }

  /** A row as the dispatcher's raw queries return it, as the entity the API shows. */
  private entityOf(row: RawTask): TaskEntity {
    const task = new TaskEntity();
    for (const column of this.tasks.metadata.columns) column.setEntityValue(task, (row as unknown as Record<string, unknown>)[column.databaseName]);
    return task;
  }

  async get(accountId: string, id: string): Promise<TaskEntity> {
    const task = await this.byId.load(id);
    if (!task || task.accountId !== accountId) throw ApiError.notFound(`task '${id}' not found`);
    return task;
  }

  /**
   * Resolves when the task is terminal or the time is up, whichever first; returns the latest row. `authorize`
   * sees the task before any waiting, so a caller who may not see it is refused at once.
   */
  waitFor(accountId: string, id: string, timeoutMs: number, authorize: (task: TaskEntity) => Promise<void> = async () => undefined): Promise<TaskEntity> {
    return this.untilFinished(accountId, id, timeoutMs, async () => {
      const task = await this.get(accountId, id);
      await authorize(task);
      return task;
    });
  }

  /** Creates a task and answers once it is terminal or the time is up: one request for a caller who needs the result. */
  createAndWait(createdBy: string, scope: Scope, input: NewTask, timeoutMs: number): Promise<TaskEntity> {
    const id = randomUUID();
    return this.untilFinished(scope.accountId, id, timeoutMs, () => this.create(createdBy, scope, input, id));
  }

  /** Waits on the task `first` yields (listening before it runs: a result landing meanwhile would otherwise be missed). */
  private async untilFinished(accountId: string, id: string, timeoutMs: number, first: () => Promise<TaskEntity>): Promise<TaskEntity> {
    const deadline = Date.now() + timeoutMs;
    let finished: TaskEntity | true | undefined;
    let wake: (() => void) | undefined;
    const onFinished = (taskId: string, { row }: FinishedTask) => {
      if (taskId !== id) return;
      finished = row ? this.entityOf(row) : true;
      wake?.();
    };
    this.events.on('finished', onFinished);
    try {
      let task = await first();
      while (!TERMINAL_STATUSES.includes(task.status) && Date.now() < deadline) {
        // Woken at once when the result lands on this replica; the poll covers results landing on others.
        if (finished === undefined) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => done(), Math.min(250, Math.max(1, deadline - Date.now())));
            const done = () => {
              clearTimeout(timer);
              wake = undefined;
              resolve();
            };
            wake = done;
          });
        }
        const known = finished;
        finished = undefined;
        task = known instanceof TaskEntity ? known : await this.get(accountId, id);
      }
      return task;
    } finally {
      this.events.off('finished', onFinished);
    }
  }

  async list(
    accountId: string,
    scope: Scope | undefined,
    filter: { status?: string | undefined; kind?: string | undefined; connector?: string | undefined; delegate?: string | undefined; limit: number; cursor?: string | undefined },
  ): Promise<{ items: TaskEntity[]; nextCursor: string | null }> {
    const q = this.tasks.createQueryBuilder('t').where('t.account_id = :accountId', { accountId });
    if (scope && scope.level !== 'account') {
      q.andWhere('t.organization_id = :org', { org: scope.organizationId });
      if (scope.projectId) q.andWhere('t.project_id = :project', { project: scope.projectId });
    }
    if (filter.status) q.andWhere('t.status = :status', { status: filter.status });
    if (filter.kind) q.andWhere('t.kind = :kind', { kind: filter.kind });
    if (filter.connector) q.andWhere('t.connector_id = :connector', { connector: filter.connector });
    if (filter.delegate) q.andWhere('t.delegate_id = :delegate', { delegate: filter.delegate });
    if (filter.cursor) {
      const [at, cursorId] = Buffer.from(filter.cursor, 'base64url').toString('utf8').split('|');
      if (!at || !cursorId || Number.isNaN(Date.parse(at))) throw ApiError.badRequest('cursor: not a cursor from this API', [{ path: 'query.cursor', message: 'cursor: invalid' }]);
      // The cursor's time has milliseconds, queued_at microseconds: the row's own value keeps the tasks that share
      // the boundary task's millisecond on the next page; the cursor's time serves if that row is gone.
      q.andWhere('(t.queued_at, t.id) < (COALESCE((SELECT c.queued_at FROM tasks c WHERE c.id = :cursorId), :at), :cursorId)', { at, cursorId });
    }
    const rows = await q.orderBy('t.queued_at', 'DESC').addOrderBy('t.id', 'DESC').limit(filter.limit + 1).getMany();
    const items = rows.slice(0, filter.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > filter.limit && last ? Buffer.from(`${last.queuedAt.toISOString()}|${last.id}`).toString('base64url') : null };
  }

  async eventsOf(taskId: string) {
    return this.dataSource.query(
      `SELECT attempt, seq, type, stream, stage, status, data, duration_ms AS "durationMs", at FROM task_events WHERE task_id = $1 ORDER BY attempt, seq`,
      [taskId],
    ) as Promise<Array<Record<string, unknown>>>;
  }

  /** Queued work is cancelled here; running work is stopped on its delegate, which reports `cancelled`. */
  async cancel(task: TaskEntity, reason: string): Promise<TaskEntity> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE tasks SET status = 'cancelled', finished_at = now(), error = $2 WHERE id = $1 AND status IN ('queued', 'offered') RETURNING id`,
      [task.id, JSON.stringify({ code: 'CANCELLED', message: reason })],
    );
    if (rows.length) {
      this.events.emit('finished', task.id, { kind: task.kind, executionId: task.executionId });
    } else if (task.status === 'claimed' || task.status === 'running') {
      await this.dataSource.query(`UPDATE tasks SET cancel_requested = true WHERE id = $1`, [task.id]);
      await this.dispatcher.requestCancel(task, reason);
    }
    return this.tasks.findOneByOrFail({ id: task.id });
  }

  scopeOf(task: TaskEntity) {
    return this.scopes.fromIds(task.accountId, task.organizationId, task.projectId);
  }
}
