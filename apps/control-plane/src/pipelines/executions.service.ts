import { HttpStatus, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { FailureStrategy } from '@conduit/pipeline';
import { DataSource, Repository } from 'typeorm';
import { DomainEvents } from '../alerts/domain-events';
import type { Actor } from '../auth/actor';
import { ApiError } from '../common/api-error';
import type { Scope } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import { TaskEntity, TERMINAL_STATUSES } from '../tasks/task.entity';
import { TaskAdmission } from '../tasks/task-admission';
import { TaskEvents } from '../tasks/task-events';
import { TasksService } from '../tasks/tasks.service';
import { ExecutionEntity, StageRecord, StepRecord } from './execution.entity';
import { ExecutionPlanner, StagePlan } from './execution-planner';
import { PipelineEntity } from './pipeline.entity';
import { PipelinesService } from './pipelines.service';

/**
 * Failures that may pass on their own — the peer or the delegate was briefly away — which `on: transient`
 * retries; a step's non-zero exit or a refused credential is not among them.
 */
const TRANSIENT_FAILURES = new Set(['CONNECTION_REFUSED', 'CONNECTION_FAILED', 'CONNECTION_TIMEOUT', 'RATE_LIMITED', 'LEASE_LOST', 'NO_ELIGIBLE_DELEGATE', 'CLONE_FAILED']);

/** A stage as stored: its record plus the plan it runs (plans hold references only, never values). */
type StoredStage = StageRecord & { plan: StagePlan; failureStrategy: FailureStrategy };

/**
 * Runs pipelines through delegates: each stage becomes one task; when a stage's task finishes (on any
 * replica), the execution advances — the next stage, a retry, or the end. State lives in the executions
 * row and moves by compare-and-set, so replicas advancing the same execution cannot both win.
 */
@Injectable()
export class ExecutionsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ExecutionsService.name);
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly planner: ExecutionPlanner,
    private readonly pipelines: PipelinesService,
    private readonly tasks: TasksService,
    private readonly admission: TaskAdmission,
    private readonly events: TaskEvents,
    private readonly scopes: ScopesService,
    private readonly domainEvents: DomainEvents,
    @InjectRepository(ExecutionEntity) private readonly executions: Repository<ExecutionEntity>,
  ) {}

  onModuleInit(): void {
    this.events.on('finished', (taskId, { executionId }) => {
      if (executionId !== null) void this.onTaskFinished(taskId);
    });
    // Catches finishes observed by a replica that died before advancing the execution.
    this.sweeper = setInterval(() => void this.advanceRunning(), 2000);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  async start(actor: Actor, scope: Scope, pipelineEntity: PipelineEntity): Promise<ExecutionEntity> {
    const { pipeline } = this.pipelines.parse(scope, pipelineEntity.yaml);
    const plans = await this.planner.plan(scope, pipeline);
    // Refused before anything is recorded: a run the account's backlog has no room for leaves nothing behind.
    await this.admission.check(scope);
    const stages: StoredStage[] = pipeline.stages.map((stage, i) => ({
      name: stage.name,
      type: stage.type,
      status: 'pending',
      taskIds: [],
      attempts: 0,
      startedAt: null,
      finishedAt: null,
      steps: stage.type === 'ci' ? stage.spec.steps.map((s) => ({ name: s.name, status: 'pending' })) : [],
      target: (plans[i] as StagePlan).target,
      error: null,
      plan: plans[i] as StagePlan,
      failureStrategy: stage.failureStrategy,
    }));
    const execution = await this.executions.save(
      this.executions.create({
        pipelineId: pipelineEntity.id,
        accountId: scope.accountId,
        organizationId: scope.organizationId,
        projectId: scope.projectId,
        pipelineIdentifier: pipelineEntity.identifier,
        pipelineVersion: pipelineEntity.version,
        yaml: pipelineEntity.yaml,
        status: 'running',
        currentStage: 0,
        stages,
        error: null,
        createdBy: actor.principal.name,
        startedAt: new Date(),
      }),
    );
    // Room taken by others since the check: the first stage waits for the sweeper, as a later stage would.
    await this.advance(execution.id, actor.principal.name).catch((error: unknown) => {
      if (!(error instanceof ApiError && error.getStatus() === HttpStatus.TOO_MANY_REQUESTS)) throw error;
    });
    return this.get(scope.accountId, execution.id);
  }

  async get(accountId: string, id: string): Promise<ExecutionEntity> {
    const execution = await this.executions.findOneBy({ id, accountId });
    if (!execution) throw ApiError.notFound(`execution '${id}' not found`);
    return execution;
  }

  list(pipelineId: string): Promise<ExecutionEntity[]> {
    return this.executions.find({ where: { pipelineId }, order: { startedAt: 'DESC' }, take: 50 });
  }

  /** Aborts the run: the running stage's task is cancelled, which stops its process on the delegate. */
  async cancel(actor: Actor, execution: ExecutionEntity): Promise<ExecutionEntity> {
    if (execution.status !== 'running') return execution;
    const stages = execution.stages.map((s, i) =>
      i === execution.currentStage && s.status === 'running' ? { ...s, status: 'aborted' as const, finishedAt: new Date().toISOString() } : s.status === 'pending' ? { ...s, status: 'skipped' as const } : s,
    );
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE executions SET status = 'aborted', stages = $2, finished_at = now(), error = $3 WHERE id = $1 AND status = 'running' RETURNING id`,
      [execution.id, JSON.stringify(stages), JSON.stringify({ code: 'ABORTED', message: `aborted by ${actor.principal.name}` })],
    );
    if (rows.length) {
      const current = execution.stages[execution.currentStage];
      const taskId = current?.taskIds[current.taskIds.length - 1];
      if (taskId) await this.tasks.cancel(await this.tasks.get(execution.accountId, taskId), `execution aborted by ${actor.principal.name}`);
    }
    return this.get(execution.accountId, execution.id);
  }

  /** The stage tasks' events, in order: what the logs endpoint streams. */
  async eventsOf(execution: ExecutionEntity, after: { stage: number; seq: number; attempt: number } | null) {
    const taskIds = execution.stages.flatMap((s) => s.taskIds);
    if (!taskIds.length) return [];
    return this.dataSource.query(
      `SELECT t.id AS "taskId", e.attempt, e.seq, e.type, e.stream, e.stage, e.status, e.data, e.at
         FROM task_events e JOIN tasks t ON t.id = e.task_id
        WHERE t.id = ANY($1::uuid[]) ${after ? 'AND (array_position($1::uuid[], t.id), e.attempt, e.seq) > ($2, $3, $4)' : ''}
        ORDER BY array_position($1::uuid[], t.id), e.attempt, e.seq`,
      after ? [taskIds, after.stage, after.attempt, after.seq] : [taskIds],
    ) as Promise<Array<{ taskId: string; attempt: number; seq: number; type: string; stream: string | null; stage: string | null; status: string | null; data: string | null; at: Date }>>;
  }

  private async onTaskFinished(taskId: string): Promise<void> {
    try {
      const [task] = (await this.dataSource.query(`SELECT execution_id FROM tasks WHERE id = $1`, [taskId])) as Array<{ execution_id: string | null }>;
      if (task?.execution_id) await this.advance(task.execution_id, 'conduit');
    } catch (error) {
      this.logger.warn({ err: error, taskId }, 'could not advance the execution of a finished task; the sweeper will');
    }
  }

  private async advanceRunning(): Promise<void> {
    const running = (await this.dataSource.query(`SELECT id FROM executions WHERE status = 'running'`).catch(() => [])) as Array<{ id: string }>;
    for (const { id } of running) await this.advance(id, 'conduit').catch((error) => this.logger.warn({ err: error, execution: id }, 'could not advance execution'));
  }

  /** Moves an execution as far as its tasks allow; compare-and-set against concurrent advancers. */
  private async advance(executionId: string, actorName: string): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const [row] = (await this.dataSource.query(`SELECT * FROM executions WHERE id = $1`, [executionId])) as Array<Record<string, unknown>>;
      if (!row || row['status'] !== 'running') return;
      const original = JSON.stringify(row['stages']);
      const stages = JSON.parse(original) as StoredStage[];
      let current = row['current_stage'] as number;
      const stage = stages[current];
      if (!stage) return;
      let created: TaskEntity | undefined;
      let status: 'running' | 'succeeded' | 'failed' = 'running';
      let error: { code: string; message: string } | null = null;

      if (stage.status === 'pending') {
        created = await this.createStageTask(row, stage, actorName);
        Object.assign(stage, { status: 'running', attempts: stage.attempts + 1, startedAt: stage.startedAt ?? new Date().toISOString(), taskIds: [...stage.taskIds, created.id] });
      } else {
        const task = await this.tasks.get(row['account_id'] as string, stage.taskIds[stage.taskIds.length - 1] as string);
        if (!TERMINAL_STATUSES.includes(task.status)) return;
        stage.steps = (task.output?.['steps'] as StepRecord[] | undefined) ?? stage.steps;
        if (task.status === 'succeeded') {
          Object.assign(stage, { status: 'succeeded', finishedAt: new Date().toISOString(), error: null });
        } else {
          const failure = task.error ?? { code: task.status.toUpperCase(), message: `the stage's task ended ${task.status}` };
          const strategy = stage.failureStrategy;
          if (strategy.action === 'retry' && (strategy.on === 'any' || TRANSIENT_FAILURES.has(failure.code)) && stage.attempts <= strategy.retries && task.status !== 'cancelled') {
            created = await this.createStageTask(row, stage, actorName);
            Object.assign(stage, { attempts: stage.attempts + 1, taskIds: [...stage.taskIds, created.id], error: { code: failure.code, message: failure.message } });
          } else {
            Object.assign(stage, { status: strategy.action === 'ignore' ? 'ignored' : 'failed', finishedAt: new Date().toISOString(), error: { code: failure.code, message: failure.message } });
            if (strategy.action !== 'ignore') {
              status = 'failed';
              error = { code: 'STAGE_FAILED', message: `stage '${stage.name}' failed: ${failure.message}` };
              stages.forEach((s) => s.status === 'pending' && (s.status = 'skipped'));
            }
          }
        }
        if (!created && status === 'running') {
          current++;
          if (current >= stages.length) status = 'succeeded';
        }
      }
      const [rows]: [unknown[], number] = await this.dataSource.query(
        `UPDATE executions SET stages = $2, current_stage = $3, status = $4, error = $5,
                finished_at = CASE WHEN $4 = 'running' THEN NULL ELSE now() END
          WHERE id = $1 AND stages = $6::jsonb AND status = 'running' RETURNING id`,
        [executionId, JSON.stringify(stages), current, status, error ? JSON.stringify(error) : null, original],
      );
      if (!rows.length) {
        // Another replica moved it first: withdraw what we started and look again.
        if (created) await this.tasks.cancel(created, 'superseded by a concurrent advance');
        continue;
      }
      if (status === 'failed') this.domainEvents.emit('pipeline.failed', executionId);
      if (status !== 'running' || created) return;
    }
  }

  private async createStageTask(row: Record<string, unknown>, stage: StoredStage, actorName: string): Promise<TaskEntity> {
    const scope = await this.scopes.fromIds(row['account_id'] as string, row['organization_id'] as string | null, row['project_id'] as string | null);
    return this.tasks.create(actorName, scope, {
      kind: stage.plan.kind,
      payload: { ...stage.plan.payload, executionId: row['id'] },
      selectors: stage.plan.selectors,
      secrets: stage.plan.secrets,
      executionId: row['id'] as string,
      timeoutMs: stage.plan.timeoutMs,
      queueTimeoutMs: 600_000,
    });
  }
}
