import { Injectable } from '@nestjs/common';
import { getConnectorType, type ConnectorAction } from '@conduit/connectors';
import { TaskKind } from '@conduit/protocol';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { ApiError } from '../common/api-error';
import { zodIssues } from '../common/zod-validation.pipe';
import { AuditService } from '../audit/audit.service';
import type { Scope } from '../scopes/scope';
import { TaskEntity } from '../tasks/task.entity';
import { TasksService } from '../tasks/tasks.service';
import { ConnectorEntity } from './connector.entity';
import { PlatformConnectorRunner } from './platform-runner';

export interface OperationResult {
  operation: string;
  status: 'SUCCESS' | 'FAILURE' | 'PENDING';
  stage: string | null;
  message: string | null;
  /** What the operation read (tags, charts, a command's output), masked on the delegate. */
  result: Record<string, unknown> | null;
  errors: Array<{ code: string; message: string; hint?: string }>;
  delegate: string | null;
  taskId: string;
  finishedAt: string | null;
}

export interface OperationDescription {
  name: string;
  description: string;
  mutating: boolean;
  /** JSON Schema of the request body. */
  input: Record<string, unknown>;
}

/**
 * Connector operations beyond the test (list tags, read a file, run a command): the input is validated
 * here against the type's operation, then a `connector.operation` task runs it on a delegate that
 * matches the connector's selectors — or, for a platform-mode connector, in this control plane; the
 * outcome is the task's.
 */
@Injectable()
export class ConnectorOperationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tasks: TasksService,
    private readonly audit: AuditService,
    private readonly platform: PlatformConnectorRunner,
  ) {}

  describe(connector: ConnectorEntity): OperationDescription[] {
    return Object.entries(this.actionsOf(connector)).map(([name, action]) => ({
      name,
      description: action.description,
      mutating: action.mutating === true,
      input: z.toJSONSchema(action.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
    }));
  }

  async run(actor: Actor, scope: Scope, connector: ConnectorEntity, operation: string, body: unknown, wait: { timeoutMs: number } | undefined): Promise<OperationResult> {
    const actions = this.actionsOf(connector);
    const action = Object.hasOwn(actions, operation) ? actions[operation] : undefined;
    if (!action) {
      const known = Object.keys(actions);
      throw ApiError.notFound(`${connector.type} connectors have no operation '${operation.slice(0, 64)}'${known.length ? `; operations: ${known.join(', ')}` : ''}`);
    }
    const input = action.input.safeParse(body ?? {});
    if (!input.success) {
      const issues = zodIssues(input.error, 'body');
      throw ApiError.badRequest(issues[0]?.message ?? 'invalid input', issues);
    }
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, actor, { action: `connector.operation.${operation}`, resourceType: 'connector', resourceId: connector.id, resourceRef: connector.identifier, scope }),
    );
    const data = input.data as Record<string, unknown>;
    const task =
      connector.connectivity === 'platform'
        ? await this.platform.operate(actor.principal.name, scope, connector, operation, action, data)
        : await this.tasks.create(actor.principal.name, scope, {
            kind: TaskKind.ConnectorOperation,
            payload: { type: connector.type, spec: connector.spec, operation, input: data },
            selectors: connector.delegateSelectors,
            secrets: [...new Set(connector.secretRefs.map((r) => r.ref))],
            connectorId: connector.id,
            mutating: action.mutating === true,
            queueTimeoutMs: 60_000,
          });
    if (!wait) return this.toResult(operation, task);
    return this.toResult(operation, await this.tasks.waitFor(scope.accountId, task.id, wait.timeoutMs));
  }

  private actionsOf(connector: ConnectorEntity): Readonly<Record<string, ConnectorAction>> {
    return getConnectorType(connector.type)?.operations?.actions ?? {};
  }

  private toResult(operation: string, task: TaskEntity): OperationResult {
    const done = task.status === 'succeeded' || task.status === 'failed' || task.status === 'cancelled' || task.status === 'unknown';
    const success = task.status === 'succeeded';
    return {
      operation,
      status: !done ? 'PENDING' : success ? 'SUCCESS' : 'FAILURE',
      stage: !done || success ? null : (task.error?.stage ?? null),
      message: success ? ((task.output?.['message'] as string | undefined) ?? null) : (task.error?.message ?? null),
      result: success ? ((task.output?.['result'] as Record<string, unknown> | undefined) ?? {}) : null,
      errors: !done || success || !task.error ? [] : [{ code: task.error.code, message: task.error.message, ...(task.error.hint ? { hint: task.error.hint } : {}) }],
      delegate: task.delegateName,
      taskId: task.id,
      finishedAt: task.finishedAt?.toISOString() ?? null,
    };
  }
}
