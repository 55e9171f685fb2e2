import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { NotificationMessage } from '@conduit/connectors';
import { TaskKind } from '@conduit/protocol';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { ConnectorsService } from '../connectors/connectors.service';
import { MetricsService } from '../metrics/metrics.service';
import { describeScope, refFrom, Scope } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import { TasksService } from '../tasks/tasks.service';
import { durationMs, type AlertCondition } from './alert-rule.dto';
import { ConnectorStatusChanged, DomainEvents } from './domain-events';

/** What happened, as a firing records it and a notification says it. */
export interface AlertEvent {
  /** What the alert is about, across firings: cooldown and PagerDuty's incident grouping key on it. */
  subject: string;
  /** This occurrence: a rule fires at most once per key, whichever replica sees it first. */
  occurrence: string;
  title: string;
  text: string;
  severity: NotificationMessage['severity'];
  source: string;
  facts: Record<string, string>;
}

interface RuleRow {
  id: string;
  identifier: string;
  account_id: string;
  organization_id: string | null;
  project_id: string | null;
  condition: AlertCondition;
  notify: string[];
  cooldown_ms: string;
}

/** How often delegate absences are looked for; a rule's own duration is what decides when it fires. */
const DELEGATE_WATCH_INTERVAL_MS = 1000;

/**
 * Fires alert rules: connector status changes and failed executions arrive as domain events on the replica
 * that committed them; delegate absences are found by a watcher every replica runs. A firing row, unique per
 * rule and occurrence, is inserted under a lock on the rule, so two replicas never both notify and a cooldown
 * per subject holds back a flapping connector. Each notification is a `notification.send` task, run by a
 * delegate like every other connection operation.
 */
@Injectable()
export class AlertFirings implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AlertFirings.name);
  private watcher?: NodeJS.Timeout;
  private watching = false;
  private readonly fired: Counter<'kind' | 'status'>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: DomainEvents,
    private readonly scopes: ScopesService,
    private readonly connectors: ConnectorsService,
    private readonly tasks: TasksService,
    metrics: MetricsService,
  ) {
    this.fired = new Counter({
      name: 'conduit_alert_firings_total',
      help: 'Alert rule firings on this replica, by rule kind and whether notifications were sent or held back by the cooldown',
      labelNames: ['kind', 'status'],
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    this.events.on('connector.status-changed', (event) => void this.guard('connector status change', () => this.onConnectorStatusChanged(event)));
    this.events.on('pipeline.failed', (executionId) => void this.guard('pipeline failure', () => this.onPipelineFailed(executionId)));
    this.watcher = setInterval(() => void this.watchDelegates(), DELEGATE_WATCH_INTERVAL_MS);
    this.watcher.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.watcher);
  }

  private async guard(what: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.logger.warn({ err: error }, `could not evaluate alert rules for a ${what}`);
    }
  }

  /** Enabled rules of a kind whose scope is the given one or above it. */
  private rulesCovering(kind: AlertCondition['type'], at: { account_id: string; organization_id: string | null; project_id: string | null }): Promise<RuleRow[]> {
    return this.dataSource.query(
      `SELECT id, identifier, account_id, organization_id, project_id, condition, notify, cooldown_ms FROM alert_rules
        WHERE enabled AND kind = $1 AND account_id = $2
          AND (organization_id IS NULL OR organization_id = $3) AND (project_id IS NULL OR project_id = $4)`,
      [kind, at.account_id, at.organization_id, at.project_id],
    ) as Promise<RuleRow[]>;
  }

  private ruleScope(rule: RuleRow): Promise<Scope> {
    return this.scopes.fromIds(rule.account_id, rule.organization_id, rule.project_id);
  }

  async onConnectorStatusChanged(change: ConnectorStatusChanged): Promise<void> {
    const [connector] = (await this.dataSource.query(`SELECT id, identifier, type, account_id, organization_id, project_id FROM connectors WHERE id = $1`, [change.connectorId])) as Array<{
      id: string;
      identifier: string;
      type: string;
      account_id: string;
      organization_id: string | null;
      project_id: string | null;
    }>;
    if (!connector) return;
    const connectorScope = await this.scopes.fromIds(connector.account_id, connector.organization_id, connector.project_id);
    for (const rule of await this.rulesCovering('ConnectorStatusChange', connector)) {
      const condition = rule.condition as Extract<AlertCondition, { type: 'ConnectorStatusChange' }>;
      if (condition.toStatus.length && !condition.toStatus.includes(change.to as never)) continue;
      const scope = await this.ruleScope(rule);
      if (condition.connectors.length && !(await this.namesConnector(scope, condition.connectors, connector.id))) continue;
      const ref = refFrom(scope, connectorScope, connector.identifier);
      await this.fire(rule, scope, {
        subject: `connector:${connector.id}`,
        occurrence: `check:${change.checkId}`,
        title: `Connector ${ref} is ${change.to}`,
        text: `${connector.type} connector ${ref} in ${describeScope(connectorScope)} went from ${change.from} to ${change.to}: ${change.message}`,
        severity: change.to === 'ACTIVE' ? 'info' : 'error',
        source: `connector ${ref}`,
        facts: { connector: ref, type: connector.type, from: change.from, to: change.to },
      });
    }
  }

  private async namesConnector(scope: Scope, refs: string[], connectorId: string): Promise<boolean> {
    for (const ref of refs) {
      const found = await this.connectors.get(scope, ref).catch((error: unknown) => {
        if (error instanceof ApiError) return undefined;
        throw error;
      });
      if (found?.entity.id === connectorId) return true;
    }
    return false;
  }

  async onPipelineFailed(executionId: string): Promise<void> {
    const [execution] = (await this.dataSource.query(
      `SELECT id, pipeline_identifier, account_id, organization_id, project_id, error, stages FROM executions WHERE id = $1 AND status = 'failed'`,
      [executionId],
    )) as Array<{ id: string; pipeline_identifier: string; account_id: string; organization_id: string | null; project_id: string | null; error: { message?: string } | null; stages: Array<{ name: string; status: string }> }>;
    if (!execution) return;
    const failedStage = execution.stages.find((s) => s.status === 'failed')?.name ?? '';
    const where = describeScope(await this.scopes.fromIds(execution.account_id, execution.organization_id, execution.project_id));
    for (const rule of await this.rulesCovering('PipelineFailed', execution)) {
      const condition = rule.condition as Extract<AlertCondition, { type: 'PipelineFailed' }>;
      if (condition.pipelines.length && !condition.pipelines.includes(execution.pipeline_identifier)) continue;
      await this.fire(rule, await this.ruleScope(rule), {
        subject: `pipeline:${execution.account_id}/${execution.organization_id ?? '-'}/${execution.project_id ?? '-'}/${execution.pipeline_identifier}`,
        occurrence: `execution:${execution.id}`,
        title: `Pipeline ${execution.pipeline_identifier} failed`,
        text: `execution ${execution.id} of pipeline ${execution.pipeline_identifier} in ${where} failed: ${execution.error?.message ?? 'no message'}`,
        severity: 'error',
        source: `pipeline ${execution.pipeline_identifier}`,
        facts: { pipeline: execution.pipeline_identifier, execution: execution.id, ...(failedStage ? { stage: failedStage } : {}) },
      });
    }
  }

  /**
   * Every replica looks; the firing row's uniqueness lets exactly one of them notify per absence. A rule
   * watches the delegates that serve its scope (from above) and those inside it.
   */
  private async watchDelegates(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      const rules = (await this.dataSource.query(
        `SELECT id, identifier, account_id, organization_id, project_id, condition, notify, cooldown_ms FROM alert_rules WHERE enabled AND kind = 'DelegateDisconnected'`,
      )) as RuleRow[];
      for (const rule of rules) {
        const condition = rule.condition as Extract<AlertCondition, { type: 'DelegateDisconnected' }>;
        const gone = (await this.dataSource.query(
          `SELECT d.id, d.name, d.group_name, d.disconnected_at, 'absence:' || d.id || ':' || d.disconnected_at::text AS occurrence
             FROM delegates d
            WHERE d.account_id = $1 AND d.status = 'disconnected' AND d.disconnected_at < now() - make_interval(secs => $2)
              AND ($3::uuid IS NULL OR d.organization_id IS NULL OR d.organization_id = $3)
              AND ($4::uuid IS NULL OR d.project_id IS NULL OR d.project_id = $4)
              AND (cardinality($5::text[]) = 0 OR d.name = ANY($5) OR d.group_name = ANY($5))
              AND NOT EXISTS (SELECT 1 FROM alert_firings f WHERE f.rule_id = $6 AND f.dedup_key = 'absence:' || d.id || ':' || d.disconnected_at::text)`,
          [rule.account_id, durationMs(condition.for) / 1000, rule.organization_id, rule.project_id, condition.delegates, rule.id],
        )) as Array<{ id: string; name: string; group_name: string; disconnected_at: Date; occurrence: string }>;
        if (!gone.length) continue;
        const scope = await this.ruleScope(rule);
        for (const delegate of gone) {
          await this.fire(rule, scope, {
            subject: `delegate:${delegate.id}`,
            occurrence: delegate.occurrence,
            title: `Delegate ${delegate.name} disconnected for more than ${condition.for}`,
            text: `delegate ${delegate.name} (group ${delegate.group_name}) has been disconnected since ${delegate.disconnected_at.toISOString()}; tasks that need it wait or fail`,
            severity: 'critical',
            source: `delegate ${delegate.name}`,
            facts: { delegate: delegate.name, group: delegate.group_name, disconnectedAt: delegate.disconnected_at.toISOString() },
          });
        }
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not look for disconnected delegates; retrying next interval');
    } finally {
      this.watching = false;
    }
  }

  /**
   * Records the firing (once per rule and occurrence, held back inside the cooldown of the subject's last
   * notification), then sends one task per notification connector and records their ids.
   */
  async fire(rule: RuleRow, scope: Scope, event: AlertEvent): Promise<void> {
    const firing = await this.dataSource.transaction(async (manager) => {
      // Serializes firings of one rule across replicas, so the cooldown check and the insert agree.
      const [locked] = (await manager.query(`SELECT id FROM alert_rules WHERE id = $1 AND enabled FOR UPDATE`, [rule.id])) as unknown[];
      if (!locked) return undefined;
      const [recent] = (await manager.query(
        `SELECT fired_at FROM alert_firings WHERE rule_id = $1 AND subject = $2 AND status = 'sent' AND fired_at > now() - make_interval(secs => $3) LIMIT 1`,
        [rule.id, event.subject, Number(rule.cooldown_ms) / 1000],
      )) as unknown[];
      const status = recent ? 'suppressed' : 'sent';
      const [inserted] = (await manager.query(
        `INSERT INTO alert_firings (rule_id, subject, dedup_key, status, event) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (rule_id, dedup_key) DO NOTHING RETURNING id`,
        [rule.id, event.subject, event.occurrence, status, JSON.stringify(event)],
      )) as Array<{ id: string }>;
      return inserted ? { id: inserted.id, status } : undefined;
    });
    if (!firing) return;
    this.fired.inc({ kind: rule.condition.type, status: firing.status });
    if (firing.status === 'suppressed') return;
    const message: NotificationMessage = {
      title: event.title,
      text: event.text,
      severity: event.severity,
      // One incident per rule and subject at PagerDuty: a repeat after the cooldown updates it.
      dedupKey: `conduit/${rule.id}/${event.subject}`,
      source: event.source,
      facts: { rule: rule.identifier, ...event.facts },
    };
    const notifications: Array<{ connector: string; taskId?: string; error?: { code: string; message: string } }> = [];
    for (const ref of rule.notify) notifications.push({ connector: ref, ...(await this.send(scope, ref, message)) });
    await this.dataSource.query(`UPDATE alert_firings SET notifications = $2 WHERE id = $1`, [firing.id, JSON.stringify(notifications)]);
  }

  private async send(scope: Scope, ref: string, message: NotificationMessage): Promise<{ taskId: string } | { error: { code: string; message: string } }> {
    try {
      const { entity: connector, scope: connectorScope } = await this.connectors.get(scope, ref);
      const task = await this.tasks.create('conduit', connectorScope, {
        kind: TaskKind.NotificationSend,
        payload: { type: connector.type, spec: connector.spec, message },
        selectors: connector.delegateSelectors,
        secrets: [...new Set(connector.secretRefs.map((r) => r.ref))],
        connectorId: connector.id,
        queueTimeoutMs: 300_000,
      });
      return { taskId: task.id };
    } catch (error) {
      // The connector or one of its secrets went away after the rule was saved: recorded on the firing.
      if (error instanceof ApiError) return { error: { code: error.code, message: error.message } };
      throw error;
    }
  }
}
