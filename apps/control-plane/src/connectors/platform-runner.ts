import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConnectorCheckError, getConnectorType, OperationContext, renderSpecExpressions } from '@conduit/connectors';
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

/** Where a platform-run task says it ran, in place of a delegate's name. */
export const PLATFORM_RUNNER = 'control plane';
/** A replica that dies mid-run leaves a lease that runs out this long after the task's own timeout. */
const LEASE_GRACE_MS = 30_000;

type Stage = { stage: string; status: 'succeeded' | 'failed'; durationMs: number; message?: string };

/**
 * Connection tests of platform-mode connectors (executeOnDelegate: false), run inside the control plane with
 * the same libs/connectors operations a delegate runs. The task row is the same durable record (status,
 * stages, result, events), claimed by this replica from the start; its outcome is recorded like any other.
 * Connections go only to public addresses unless an account admin allowed private networks for the connector.
 */
@Injectable()
export class PlatformConnectorTests {
  private readonly logger = new Logger(PlatformConnectorTests.name);

  constructor(
    @Inject(REPLICA_ID) private readonly replicaId: string,
    private readonly dataSource: DataSource,
    private readonly events: TaskEvents,
    private readonly secrets: PlatformSecrets,
  ) {}

  /** Records the task as running here and starts the test; the row is returned at once. */
  async start(createdBy: string, scope: Scope, connector: ConnectorEntity): Promise<TaskEntity> {
    const timeoutMs = TASK_TIMEOUT_MS[TaskKind.ConnectorTest] ?? 60_000;
    const refs = [...new Set(connector.secretRefs.map((r) => r.ref))];
    const id = randomUUID();
    const now = Date.now();
    const tasks = this.dataSource.getRepository(TaskEntity);
    await tasks.insert({
      id,
      accountId: scope.accountId,
      organizationId: scope.organizationId,
      projectId: scope.projectId,
      kind: TaskKind.ConnectorTest,
      mutating: false,
      connectorId: connector.id,
      payload: { type: connector.type, spec: connector.spec, runsOn: 'platform' } as never,
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
    void this.run(id, scope, connector, refs, timeoutMs).catch((error) => this.logger.error({ err: error, taskId: id }, 'platform connection test could not record its outcome'));
    return tasks.findOneByOrFail({ id });
  }

  private async run(taskId: string, scope: Scope, connector: ConnectorEntity, refs: string[], timeoutMs: number): Promise<void> {
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
      const operations = getConnectorType(connector.type)?.operations;
      if (!operations) throw new PlatformFailure('TEST_NOT_SUPPORTED', `connector type '${connector.type}' has no connection test`, 'validation');
      const secrets = await this.secrets.open(scope, refs, masker);
      const [row] = (await this.dataSource.query(`SELECT allow_private_networks FROM connectors WHERE id = $1`, [connector.id])) as Array<{ allow_private_networks: boolean }>;
      const ctx: OperationContext = {
        spec: renderSpecExpressions(connector.spec, (ref) => {
          const secret = secrets.get(ref);
          if (!secret) throw new PlatformFailure('SECRET_NOT_PROVIDED', `the connector uses secret '${ref}', which this test was not given`, 'resolution');
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
      const outcome = await operations.test(ctx);
      output = { status: 'SUCCESS', message: outcome.message, ...(outcome.details ? { details: outcome.details } : {}) };
    } catch (failure) {
      error = this.errorOf(failure, signal, timeoutMs);
      // What the failure reports for the control plane to act on (an SSH host key seen), as a delegate sends it.
      if (failure instanceof ConnectorCheckError && failure.details) output = failure.details;
    }
    // Operations never put secrets in messages on purpose; the masker makes sure of it, as on a delegate.
    const masked = (value: unknown) => (value === null ? null : masker.mask(JSON.stringify(value)));
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE tasks SET status = $2, output = $3, error = $4, stages = $5, finished_at = now(), lease_expires_at = NULL
        WHERE id = $1 AND status = 'running' RETURNING id`,
      [taskId, error ? 'failed' : 'succeeded', masked(output), masked(error), masked(stages)],
    );
    if (rows.length) this.events.emit('finished', taskId);
  }

  private errorOf(failure: unknown, signal: AbortSignal, timeoutMs: number): TaskErrorBody {
    if (failure instanceof ConnectorCheckError || failure instanceof PlatformFailure) {
      return { code: failure.code, message: failure.message, stage: failure.stage, ...(failure.hint ? { hint: failure.hint } : {}) };
    }
    if (signal.aborted) return { code: 'TIMEOUT', message: `the connection test did not finish within ${timeoutMs} ms`, stage: 'connection' };
    return { code: 'OPERATION_FAILED', message: (failure as Error).message, stage: 'operation' };
  }
}
