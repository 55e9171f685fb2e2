import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { CONFIG, ConduitConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import type { Scope } from '../scopes/scope';

/** How old the backlog snapshot may be when a task is admitted against it. */
const SNAPSHOT_MAX_AGE_MS = 250;
/** The longest Retry-After answered: further out, an estimate from the last quarter second says little. */
const MAX_RETRY_AFTER_S = 30;

/**
 * Back-pressure on task creation. An account whose backlog — its tasks waiting for a delegate, `queued` or
 * `offered` — is at TASK_BACKLOG_LIMIT gets 429 with Retry-After instead of another row: an overloaded system
 * sheds new work rather than queueing it for minutes.
 *
 * Counting costs no query per task. Each replica keeps a snapshot of every account's backlog (one grouped query,
 * at most every 250 ms and only while tasks are being created) plus the tasks it admitted since. Other replicas'
 * admissions show up in the next snapshot, so N replicas can overshoot by what the other N − 1 admit in 250 ms:
 * the limit bounds how long work waits, it is not an exact quota.
 */
@Injectable()
export class TaskAdmission {
  private readonly rejected: Counter<'reason'>;
  /** Per account: tasks waiting at the last snapshot. */
  private backlog = new Map<string, number>();
  /** Per account: tasks this replica admitted since the last snapshot. */
  private admitted = new Map<string, number>();
  /** Per account: tasks per second that left the backlog between the last two snapshots. */
  private drainRate = new Map<string, number>();
  private takenAt = -Infinity;
  private refreshing: Promise<void> | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: ConduitConfig,
    private readonly dataSource: DataSource,
    metrics: MetricsService,
  ) {
    this.rejected = new Counter({
      name: 'conduit_tasks_rejected_total',
      help: "New tasks refused, by reason (backlog: the account's backlog was at TASK_BACKLOG_LIMIT)",
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
    // Exported from the start, so a rate over it is defined before the first refusal.
    this.rejected.inc({ reason: 'backlog' }, 0);
  }

  /** Throws 429 when the scope's account has no room for another waiting task. Counts nothing. */
  async check(scope: Scope): Promise<void> {
    if (Date.now() - this.takenAt >= SNAPSHOT_MAX_AGE_MS) {
      await (this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined)));
    }
    const waiting = this.waiting(scope.accountId);
    const limit = this.config.TASK_BACKLOG_LIMIT;
    if (waiting < limit) return;
    this.rejected.inc({ reason: 'backlog' });
    const retryAfterSeconds = this.retryAfter(scope.accountId, waiting - limit + 1);
    throw ApiError.tooManyRequests(
      `account '${scope.accountIdentifier}' has ${waiting} tasks waiting for a delegate (queued or offered), its backlog limit is ${limit} (TASK_BACKLOG_LIMIT); retry after ${retryAfterSeconds} s`,
      { backlog: waiting, limit },
      retryAfterSeconds,
    );
  }

  /**
   * Counts a new task against its account's backlog, or throws 429 when the backlog is full. A task refused after
   * this (a missing secret, say) stays counted until the next snapshot: a quarter second of caution at most.
   */
  async admit(scope: Scope): Promise<void> {
    await this.check(scope);
    this.admitted.set(scope.accountId, (this.admitted.get(scope.accountId) ?? 0) + 1);
  }

  private waiting(accountId: string): number {
    return (this.backlog.get(accountId) ?? 0) + (this.admitted.get(accountId) ?? 0);
  }

  /**
   * Seconds until `excess` tasks have left the backlog at its recent drain rate. When nothing drained (no delegate
   * took work), 1: a delegate may connect at any moment, and a refusal costs the server next to nothing.
   */
  private retryAfter(accountId: string, excess: number): number {
    const rate = this.drainRate.get(accountId);
    return rate ? Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(excess / rate))) : 1;
  }

  /**
   * Admissions wait for a refresh in progress, so none is made while its query runs and the count of admitted
   * tasks starts again at zero. A task admitted before it whose INSERT had not committed yet is missed until the
   * next snapshot: an undercount bounded by the creates in flight.
   */
  private async refresh(): Promise<void> {
    const startedAt = Date.now();
    // Two equalities rather than IN (…): only an OR lets PostgreSQL combine the partial indexes tasks_pending_idx
    // and tasks_offered_idx; with IN it scans the whole table.
    const rows = (await this.dataSource.query(
      `SELECT account_id, count(*)::int AS waiting FROM tasks WHERE status = 'queued' OR status = 'offered' GROUP BY account_id`,
    )) as Array<{ account_id: string; waiting: number }>;
    const backlog = new Map(rows.map((row) => [row.account_id, row.waiting]));
    const seconds = (startedAt - this.takenAt) / 1000;
    const drainRate = new Map<string, number>();
    for (const accountId of new Set([...this.backlog.keys(), ...this.admitted.keys()])) {
      const rate = (this.waiting(accountId) - (backlog.get(accountId) ?? 0)) / seconds;
      if (rate > 0) drainRate.set(accountId, rate);
    }
    this.backlog = backlog;
    this.admitted = new Map();
    this.drainRate = drainRate;
    this.takenAt = startedAt;
  }
}
