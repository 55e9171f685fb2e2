import { Injectable } from '@nestjs/common';
import { ConnectionTestResult, TaskKind } from '@conduit/protocol';
import type { Actor } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import type { Scope } from '../scopes/scope';
import { SecretsService } from '../secrets/secrets.service';
import { TaskEntity } from '../tasks/task.entity';
import { TasksService } from '../tasks/tasks.service';
import { DataSource } from 'typeorm';
import { ConnectorChecks } from './connector-checks';
import { ConnectorEntity } from './connector.entity';
import { PlatformConnectorRunner } from './platform-runner';

/**
 * "Test connection": Resolution and Validation happen here (the connector and every secret it names must
 * exist), then a `connector.test` task runs Authentication, Connection and Operation on a delegate that
 * matches the connector's selectors — or, for a platform-mode connector, in this control plane; Monitoring
 * is the recorded outcome and the connector's new status.
 */
@Injectable()
export class ConnectorTestsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tasks: TasksService,
    private readonly secrets: SecretsService,
    private readonly checks: ConnectorChecks,
    private readonly audit: AuditService,
    private readonly platform: PlatformConnectorRunner,
  ) {}

  async test(actor: Actor, scope: Scope, connector: ConnectorEntity, wait: { timeoutMs: number } | undefined): Promise<ConnectionTestResult> {
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, actor, { action: 'connector.test', resourceType: 'connector', resourceId: connector.id, resourceRef: connector.identifier, scope }),
    );
    const missing = await this.secrets.missing(scope, connector.secretRefs);
    if (missing.length) {
      const errors = missing.map((m) => ({ code: 'SECRET_NOT_FOUND', message: m.message, hint: `create the secret, or change ${m.path}` }));
      await this.checks.record(connector.id, { status: 'FAILURE', stage: 'validation', message: errors[0]?.message ?? '', errors, latencyMs: null, delegateName: null, taskId: null });
      return { status: 'FAILURE', stage: 'validation', message: errors[0]?.message ?? null, latencyMs: null, errors, delegate: null, taskId: null, testedAt: new Date().toISOString() };
    }
    const task =
      connector.connectivity === 'platform'
        ? await this.platform.test(actor.principal.name, scope, connector)
        : await this.tasks.create(actor.principal.name, scope, {
            kind: TaskKind.ConnectorTest,
            payload: { type: connector.type, spec: connector.spec },
            selectors: connector.delegateSelectors,
            secrets: [...new Set(connector.secretRefs.map((r) => r.ref))],
            connectorId: connector.id,
            queueTimeoutMs: 60_000,
          });
    if (!wait) return this.toResult(task);
    const finished = await this.tasks.waitFor(scope.accountId, task.id, wait.timeoutMs);
    // The outcome is recorded by whichever replica finished the task; make sure it is, before answering.
    await this.checks.onTaskFinished(finished.id);
    return this.toResult(finished);
  }

  private toResult(task: TaskEntity): ConnectionTestResult {
    const done = task.status === 'succeeded' || task.status === 'failed' || task.status === 'cancelled' || task.status === 'unknown';
    const success = task.status === 'succeeded' && task.output?.['status'] === 'SUCCESS';
    const details = task.output?.['details'] as { latencyMs?: number } | undefined;
    return {
      status: !done ? 'PENDING' : success ? 'SUCCESS' : 'FAILURE',
      stage: !done || success ? null : (task.error?.stage ?? null),
      message: success ? ((task.output?.['message'] as string | undefined) ?? null) : (task.error?.message ?? null),
      latencyMs: details?.latencyMs ?? null,
      errors: !done || success || !task.error ? [] : [{ code: task.error.code, message: task.error.message, ...(task.error.hint ? { hint: task.error.hint } : {}) }],
      delegate: task.delegateName,
      taskId: task.id,
      testedAt: task.finishedAt?.toISOString() ?? null,
    };
  }
}
