import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConnectorAction, ConnectorCheckError, getConnectorType, OperationContext, renderSpecExpressions } from '@conduit/connectors';
import { SecretMasker, secretPayloadText } from '@conduit/crypto';
import { TASK_TIMEOUT_MS, TaskKind } from '@conduit/protocol';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { REPLICA_ID } from '../replica';
import type { Scope } from '../scopes/scope';
import { TaskEntity, TaskErrorBody } from '../tasks/task.entity';
import { TaskEvents } from '../tasks/task-events';
import { ConnectorEntity } from './connector.entity';
import { PlatformFailure, PlatformSecrets } from './platform-secrets';
import { storableJson } from '../common/nul-characters';

/** Where a platform-run task says it ran, in place of a delegate's name. */
export const PLATFORM_RUNNER = 'control plane';
/** A replica that dies mid-run leaves a lease that runs out this long after the task's own timeout. */
const LEASE_GRACE_MS = 30_000;

type Stage = { stage: string; status: 'succeeded' | 'failed'; durationMs: number; message?: string };

/** One task run here: its kind, what it is called in messages, what its payload adds, and the work itself. */
interface PlatformTask {
  kind: (typeof TaskKind)[keyof typeof TaskKind];
  what: string;
  payload: Record<string, unknown>;
  mutating: boolean;
  /** The task's output, shaped as a delegate's executor shapes it. */
  work(ctx: OperationContext): Promise<Record<string, unknown>>;
}

/**
 * Connection tests and operations of platform-mode connectors (executeOnDelegate: false), run inside the
 * control plane with the same libs/connectors code a delegate runs. The task row is the same durable record
 * (status, stages, result, events), claimed by this replica from the start; its outcome is recorded like any
 * other. Connections go only to public addresses unless an account admin allowed private networks for the
 * connector.
 */
@Injectable()
export class PlatformConnectorRunner {
  private readonly logger = new Logger(PlatformConnectorRunner.name);

  constructor(
    @Inject(REPLICA_ID) private readonly replicaId: string,
    private readonly dataSource: DataSource,
    private readonly events: TaskEvents,
    private readonly secrets: PlatformSecrets,
  ) {}

  /** Starts the connector's connection test here; the running task's row is returned at once. */
  test(createdBy: string, scope: Scope, connector: ConnectorEntity): Promise<TaskEntity> {
    return this.start(createdBy, scope, connector, {
      kind: TaskKind.ConnectorTest,
      what: 'the connection test',
      payload: {},
      mutating: false,
      async work(ctx) {
        const operations = getConnectorType(connector.type)?.operations;
        if (!operations) throw new PlatformFailure('TEST_NOT_SUPPORTED', `connector type '${connector.type}' has no connection test`, 'validation');
        const outcome = await operations.test(ctx);
        return { status: 'SUCCESS', message: outcome.message, ...(outcome.details ? { details: outcome.details } : {}) };
      },
    });
  }

  /** Starts one of the connector's operations here with its validated input; the running task's row is returned at once. */
  operate(createdBy: string, scope: Scope, connector: ConnectorEntity, operation: string, action: ConnectorAction, input: Record<string, unknown>): Promise<TaskEntity> {
    return this.start(createdBy, scope, connector, {
      kind: TaskKind.ConnectorOperation,
      what: `operation '${operation}'`,
      payload: { operation, input },
      mutating: action.mutating === true,
      async work(ctx) {
        const outcome = await action.run(ctx, input);
        return { operation, message: outcome.message, result: outcome.details ?? {} };
      },
    });
  }

  /** Records the task as running here and starts it. */
  private async start(createdBy: string, scope: Scope, connector: ConnectorEntity, task: PlatformTask): Promise<TaskEntity> {
    const timeoutMs = TASK_TIMEOUT_MS[task.kind] ?? 60_000;
    const refs = [...new Set(connector.secretRefs.map((r) => r.ref))];
    const id = randomUUID();
    const now = Date.now();
    const tasks = this.dataSource.getRepository(TaskEntity);
    await tasks.insert({
      id,
      accountId: scope.accountId,
      organizationId: scope.organizationId,
      projectId: scope.projectId,
      kind: task.kind,
      mutating: task.mutating,
      connectorId: connector.id,
      payload: { type: connector.type, spec: connector.spec, ...task.payload, runsOn: 'platform' } as never,
      secretRefs: refs,
      selectors: [],
      status: 'running',
      attempt: 1,
      claims: 1,
      maxAttempts: 1,
      delegateName: PLATFORM_RUNNER,
      replicaId: this.replicaId,
      timeoutMs,
      deadlineAt: new Date(now + timeoutMs),
      leaseExpiresAt: new Date(now + timeoutMs + LEASE_GRACE_MS),
      claimedAt: new Date(now),
      startedAt: new Date(now),
      createdBy,
    });
    void this.run(id, scope, connector, refs, timeoutMs, task).catch((error) => this.logger.error({ err: error, taskId: id, kind: task.kind }, 'platform task could not record its outcome'));
    return tasks.findOneByOrFail({ id });
  }

  private async run(taskId: string, scope: Scope, connector: ConnectorEntity, refs: string[], timeoutMs: number, task: PlatformTask): Promise<void> {
    const masker = new SecretMasker();
    const stages: Stage[] = [];
    let seq = 0;
    const event = (values: { type: 'progress' | 'log'; stage?: string; status?: string; data?: string; durationMs?: number }) =>
      this.dataSource.query(
        `INSERT INTO task_events (task_id, attempt, seq, type, stream, stage, status, data, duration_ms) VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8)`,
        [taskId, seq++, values.type, values.type === 'log' ? 'system' : null, values.stage ?? null, values.status ?? null, values.data === undefined ? null : masker.mask(values.data), values.durationMs ?? null],
      );
    const signal = AbortSignal.timeout(timeoutMs);
    let output: Record<string, unknown> | null = null;
    let error: TaskErrorBody | null = null;
    try {
      const secrets = await this.secrets.open(scope, refs, masker);
      const [row] = (await this.dataSource.query(`SELECT allow_private_networks FROM connectors WHERE id = $1`, [connector.id])) as Array<{ allow_private_networks: boolean }>;
      const ctx: OperationContext = {
        spec: renderSpecExpressions(connector.spec, (ref) => {
          const secret = secrets.get(ref);
          if (!secret) throw new PlatformFailure('SECRET_NOT_PROVIDED', `the connector uses secret '${ref}', which ${task.what} was not given`, 'resolution');
          return secretPayloadText(secret);
        }),
        secrets,
        signal,
        publicAddressesOnly: !row?.allow_private_networks,
        log: (text) => void event({ type: 'log', data: text }),
        async stage(stage, work) {
          const started = performance.now();
          await event({ type: 'progress', stage, status: 'started' });
          try {
            const result = await work();
            stages.push({ stage, status: 'succeeded', durationMs: Math.round(performance.now() - started) });
            await event({ type: 'progress', stage, status: 'succeeded' });
            return result;
          } catch (failure) {
            stages.push({ stage, status: 'failed', durationMs: Math.round(performance.now() - started), message: masker.mask((failure as Error).message) });
            await event({ type: 'progress', stage, status: 'failed', data: (failure as Error).message });
            throw failure;
          }
        },
      };
      output = await task.work(ctx);
    } catch (failure) {
      error = this.errorOf(failure, signal, timeoutMs, task.what);
      // What the failure reports for the control plane to act on (an SSH host key seen), as a delegate sends it.
      if (failure instanceof ConnectorCheckError && failure.details) output = failure.details;
    }
    // Operations never put secrets in messages on purpose; the masker makes sure of it, as on a delegate.
    const masked = (value: unknown) => (value === null ? null : masker.mask(storableJson(value)));
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE tasks SET status = $2, output = $3, error = $4, stages = $5, finished_at = now(), lease_expires_at = NULL
        WHERE id = $1 AND status = 'running' RETURNING id`,
      [taskId, error ? 'failed' : 'succeeded', masked(output), masked(error), masked(stages)],
    );
    if (rows.length) this.events.emit('finished', taskId, { kind: task.kind, executionId: null });
  }

  private errorOf(failure: unknown, signal: AbortSignal, timeoutMs: number, what: string): TaskErrorBody {
    if (failure instanceof ConnectorCheckError || failure instanceof PlatformFailure) {
      return { code: failure.code, message: failure.message, stage: failure.stage, ...(failure.hint ? { hint: failure.hint } : {}) };
    }
    if (signal.aborted) return { code: 'TIMEOUT', message: `${what} did not finish within ${timeoutMs} ms`, stage: 'connection' };
    return { code: 'OPERATION_FAILED', message: (failure as Error).message, stage: 'operation' };
  }
}
