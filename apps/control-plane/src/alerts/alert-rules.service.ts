import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { notificationProblem } from '@conduit/connectors';
import { formatDuration } from '@conduit/pipeline';
import { DataSource, IsNull, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { diffFields, toJson } from '../audit/diff';
import type { Actor } from '../auth/actor';
import { ApiError } from '../common/api-error';
import { isUniqueViolation } from '../common/db-errors';
import type { FieldIssue } from '../common/zod-validation.pipe';
import { ConnectorsService } from '../connectors/connectors.service';
import { describeScope, Scope, scopeView } from '../scopes/scope';
import { AlertRuleInput, AlertRuleUpdate, durationMs } from './alert-rule.dto';
import { AlertRuleEntity } from './alert-rule.entity';

/** A rule as the API returns it: the shape it was written in, plus its bookkeeping. */
export function alertRuleView(rule: AlertRuleEntity, scope: Scope) {
  return {
    id: rule.id,
    identifier: rule.identifier,
    name: rule.name,
    description: rule.description,
    enabled: rule.enabled,
    condition: rule.condition,
    notify: rule.notify,
    cooldown: formatDuration(rule.cooldownMs),
    scope: scopeView(scope),
    version: rule.version,
    createdAt: rule.createdAt,
    updatedAt: rule.updatedAt,
    createdBy: rule.createdBy,
    updatedBy: rule.updatedBy,
  };
}

const auditable = (r: Pick<AlertRuleEntity, 'name' | 'description' | 'enabled' | 'condition' | 'notify' | 'cooldownMs'>) =>
  toJson({ name: r.name, description: r.description, enabled: r.enabled, condition: r.condition, notify: r.notify, cooldownMs: r.cooldownMs });

const scopeWhere = (scope: Scope) => ({ accountId: scope.accountId, organizationId: scope.organizationId ?? IsNull(), projectId: scope.projectId ?? IsNull() });

/** Alert rules per scope. Every connector a rule names is checked when it is saved, all problems at once. */
@Injectable()
export class AlertRulesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly connectors: ConnectorsService,
    private readonly audit: AuditService,
    @InjectRepository(AlertRuleEntity) private readonly rules: Repository<AlertRuleEntity>,
  ) {}

  async create(actor: Actor, scope: Scope, input: AlertRuleInput): Promise<AlertRuleEntity> {
    await this.check(scope, input);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const rule = await manager.save(
          manager.create(AlertRuleEntity, {
            accountId: scope.accountId,
            organizationId: scope.organizationId,
            projectId: scope.projectId,
            ...this.columns(input),
            createdAt: new Date(),
            updatedAt: new Date(),
            createdBy: actor.principal.name,
            updatedBy: actor.principal.name,
            version: 1,
          }),
        );
        await this.audit.record(manager, actor, { action: 'alert-rule.create', resourceType: 'alert-rule', resourceId: rule.id, resourceRef: rule.identifier, scope, changes: [{ path: '(alert-rule)', after: auditable(rule) }] });
        return rule;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw ApiError.conflict('ALREADY_EXISTS', `alert rule '${input.identifier}' already exists in ${describeScope(scope)}`);
      throw error;
    }
  }

  async update(actor: Actor, scope: Scope, current: AlertRuleEntity, input: AlertRuleUpdate): Promise<AlertRuleEntity> {
    if (input.identifier !== current.identifier) {
      throw ApiError.badRequest(`identifier: is immutable (the alert rule is '${current.identifier}')`, [{ path: 'identifier', message: 'identifier: is immutable' }]);
    }
    await this.check(scope, input);
    const columns = this.columns(input);
    return this.dataSource.transaction(async (manager) => {
      const [rows]: [unknown[], number] = await manager.query(
        `UPDATE alert_rules SET name = $3, description = $4, enabled = $5, kind = $6, condition = $7, notify = $8, cooldown_ms = $9,
                updated_by = $10, updated_at = now(), version = version + 1
          WHERE id = $1 AND version = $2 RETURNING id`,
        [current.id, input.version, columns.name, columns.description, columns.enabled, columns.kind, JSON.stringify(columns.condition), JSON.stringify(columns.notify), columns.cooldownMs, actor.principal.name],
      );
      if (rows.length !== 1) {
        throw ApiError.conflict('STALE_VERSION', `alert rule '${current.identifier}' has changed since version ${input.version}; read it again`, { currentVersion: current.version });
      }
      const changes = diffFields(auditable(current), auditable({ ...current, ...columns }));
      await this.audit.record(manager, actor, { action: 'alert-rule.update', resourceType: 'alert-rule', resourceId: current.id, resourceRef: current.identifier, scope, changes });
      return manager.findOneByOrFail(AlertRuleEntity, { id: current.id });
    });
  }

  async get(scope: Scope, identifier: string): Promise<AlertRuleEntity> {
    const rule = await this.rules.findOneBy({ ...scopeWhere(scope), identifier });
    if (!rule) throw ApiError.notFound(`alert rule '${identifier}' not found in ${describeScope(scope)}`);
    return rule;
  }

  list(scope: Scope): Promise<AlertRuleEntity[]> {
    return this.rules.find({ where: scopeWhere(scope), order: { identifier: 'ASC' } });
  }

  async delete(actor: Actor, scope: Scope, rule: AlertRuleEntity): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(AlertRuleEntity, { id: rule.id });
      await this.audit.record(manager, actor, { action: 'alert-rule.delete', resourceType: 'alert-rule', resourceId: rule.id, resourceRef: rule.identifier, scope, changes: [{ path: '(alert-rule)', before: auditable(rule) }] });
    });
  }

  /** Newest first; each notification with its task's current status. */
  firings(rule: AlertRuleEntity, limit: number) {
    return this.dataSource.query(
      // The page first, then its notifications' task statuses: the join runs for the rows returned only.
      `WITH page AS (SELECT * FROM alert_firings WHERE rule_id = $1 ORDER BY fired_at DESC, id DESC LIMIT $2)
       SELECT f.id, f.status, f.subject, f.event, f.fired_at AS "firedAt",
              COALESCE((SELECT jsonb_agg(n || jsonb_build_object('taskStatus', t.status, 'error', COALESCE(n->'error', t.error)) ORDER BY ord)
                          FROM jsonb_array_elements(f.notifications) WITH ORDINALITY AS x(n, ord)
                          LEFT JOIN tasks t ON t.id = (n->>'taskId')::uuid), '[]'::jsonb) AS notifications
         FROM page f ORDER BY f.fired_at DESC, f.id DESC`,
      [rule.id, limit],
    ) as Promise<Array<Record<string, unknown>>>;
  }

  private columns(input: AlertRuleInput) {
    return {
      identifier: input.identifier,
      name: input.name,
      description: input.description,
      enabled: input.enabled,
      kind: input.condition.type,
      condition: input.condition,
      notify: [...new Set(input.notify)],
      cooldownMs: durationMs(input.cooldown),
    };
  }

  /** Every named connector must exist; the ones notified must be able to carry an alert. */
  private async check(scope: Scope, input: AlertRuleInput): Promise<void> {
    const issues: FieldIssue[] = [];
    const lookup = async (path: string, ref: string) => {
      try {
        return (await this.connectors.get(scope, ref)).entity;
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        issues.push({ path, message: `${path}: ${error.message}` });
        return undefined;
      }
    };
    for (const [i, ref] of input.notify.entries()) {
      const connector = await lookup(`notify[${i}]`, ref);
      const problem = connector && notificationProblem(connector.type, connector.spec);
      if (problem) issues.push({ path: `notify[${i}]`, message: `notify[${i}]: connector '${ref}' ${problem}` });
    }
    if (input.condition.type === 'ConnectorStatusChange') {
      for (const [i, ref] of input.condition.connectors.entries()) await lookup(`condition.connectors[${i}]`, ref);
    }
    if (issues.length) throw ApiError.badRequest(issues[0]?.message ?? 'invalid alert rule', issues);
  }
}
