import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ControlPlaneFrame, ResultFrame, TaskOfferFrame, TaskSecret } from '@conduit/protocol';
import { randomUUID } from 'node:crypto';
import { Gauge } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { BatchedStatement, BatchWriter } from '../common/batch-writer';
import { coalesced } from '../common/coalesced';
import { groupBy } from '../common/group-by';
import { storableJson } from '../common/nul-characters';
import { CONFIG, ConduitConfig } from '../config/config';
import { DelegateSessions, TaskFrame } from '../delegates/delegate-sessions';
import { MetricsService } from '../metrics/metrics.service';
import { QueueBackend, QueueUnavailableError, TaskQueue, TaskWorker } from '../queue/queue-backend';
import { REPLICA_ID } from '../replica';
import { describeScope } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import { TaskEntity, TaskErrorBody } from './task.entity';
import { ArrivedEvent, EVENT_COLUMNS, TaskEventLog } from './task-event-log';
import { TaskEvents } from './task-events';
import { TaskSecrets } from './task-secrets';

/**
 * Connected delegates whose scope covers the task's, with every selector and the kind, and — when the task
 * names `payload.requiredGroups` (work only some groups' keys can do, like re-sealing a secret) — in one of
 * those delegate groups. Parameters: $1 account, $2 organization, $3 project, $4 selectors (jsonb), $5 kind,
 * $<groups> required groups or null.
 */
const eligible = (groups: number) => `
  d.account_id = $1 AND d.status = 'connected' AND d.replica_id IS NOT NULL
  AND (d.organization_id IS NULL OR d.organization_id = $2) AND (d.project_id IS NULL OR d.project_id = $3)
  AND d.tags @> $4::jsonb AND d.task_kinds ? $5 AND ($${groups}::text[] IS NULL OR d.group_name = ANY($${groups}::text[]))`;

/** A delegate's tasks that hold one of its slots. */
const ACTIVE_TASKS = `(SELECT count(*) FROM tasks t WHERE t.delegate_id = d.id AND t.status IN ('offered', 'claimed', 'running'))`;

/**
 * The least-loaded eligible delegate with a free slot, not in the list at $6; delegates in the list at
 * `$<askedLast>` only when no other is free. $7 required groups.
 */
const eligibleDelegate = (askedLast: number) => `
  SELECT d.id, d.name, d.replica_id FROM delegates d
   WHERE ${eligible(7)} AND NOT (d.id::text = ANY($6::text[])) AND ${ACTIVE_TASKS} < d.capacity
   ORDER BY d.id::text = ANY($${askedLast}::text[]), ${ACTIVE_TASKS}::float / d.capacity, random()
   LIMIT 1`;

/**
 * Inserts new tasks that share their routing (account, scope, selectors, kind, groups: $1–$6) and hands each
 * a free slot of an eligible delegate, least-loaded first and spread across delegates (every delegate's first
 * free slot before anyone's second), or leaves it queued when there are fewer slots than tasks — or when older
 * tasks routed alike are waiting and due: those go first (a freed slot pulls them, see OFFER_WAITING). One
 * statement for the whole batch; tasks $7–$16 are unnested in order.
 */
const ADMIT = `
  WITH input AS (
    SELECT * FROM unnest($7::uuid[], $8::bool[], $9::uuid[], $10::uuid[], $11::jsonb[], $12::jsonb[], $13::int[], $14::int[], $15::timestamptz[], $16::text[])
      WITH ORDINALITY AS i(id, mutating, connector_id, execution_id, payload, secret_refs, max_attempts, timeout_ms, deadline_at, created_by, n)
  ), candidates AS (
    SELECT d.id, d.name, d.replica_id, d.capacity, ${ACTIVE_TASKS} AS active FROM delegates d WHERE ${eligible(6)}
  ), slots AS (
    SELECT c.id, c.name, c.replica_id, row_number() OVER (ORDER BY s.k, (c.active + s.k - 1)::float / c.capacity, random()) AS n
      FROM candidates c, generate_series(1, LEAST(c.capacity - c.active, cardinality($7::uuid[]))) AS s(k)
     WHERE NOT EXISTS (SELECT 1 FROM tasks q
                        WHERE q.status = 'queued' AND q.next_attempt_at <= now() AND q.account_id = $1 AND q.kind = $5 AND q.selectors = $4::jsonb
                          AND q.organization_id IS NOT DISTINCT FROM $2 AND q.project_id IS NOT DISTINCT FROM $3)
  )
  INSERT INTO tasks (id, account_id, organization_id, project_id, kind, mutating, connector_id, execution_id, payload, secret_refs, selectors,
                     max_attempts, timeout_ms, deadline_at, created_by, status, delegate_id, delegate_name, replica_id, attempt, offered_at)
  SELECT i.id, $1, $2, $3, $5, i.mutating, i.connector_id, i.execution_id, i.payload, i.secret_refs, $4::jsonb, i.max_attempts, i.timeout_ms, i.deadline_at, i.created_by,
         CASE WHEN s.id IS NULL THEN 'queued' ELSE 'offered' END, s.id, s.name, s.replica_id,
         CASE WHEN s.id IS NULL THEN 0 ELSE 1 END, CASE WHEN s.id IS NULL THEN NULL ELSE now() END
    FROM input i LEFT JOIN slots s ON s.n = i.n
  RETURNING *`;

/**
 * Offers waiting tasks to delegates that have free slots ($1: their ids), oldest first: each delegate takes as
 * many due queued tasks as it has free slots, of those it is eligible for and was not taken away from. A task
 * two delegates both pick goes to one of them.
 */
const OFFER_WAITING = `
  WITH free AS (
    SELECT d.*, d.capacity - ${ACTIVE_TASKS} AS slots FROM delegates d
     WHERE d.id = ANY($1::uuid[]) AND d.status = 'connected' AND d.replica_id IS NOT NULL
  ), picks AS (
    SELECT DISTINCT ON (w.id) w.id AS task_id, f.id AS delegate_id, f.name, f.replica_id
      FROM free f CROSS JOIN LATERAL (
        SELECT t.id FROM tasks t
         WHERE t.status = 'queued' AND t.next_attempt_at <= now() AND t.deadline_at > now() AND t.account_id = f.account_id
           AND (f.organization_id IS NULL OR t.organization_id = f.organization_id) AND (f.project_id IS NULL OR t.project_id = f.project_id)
           AND f.tags @> t.selectors AND f.task_kinds ? t.kind AND NOT t.excluded_delegates ? f.id::text
           AND (NOT t.payload ? 'requiredGroups' OR t.payload->'requiredGroups' ? f.group_name)
         ORDER BY t.next_attempt_at LIMIT GREATEST(f.slots, 0) FOR UPDATE SKIP LOCKED
      ) w
  )
  UPDATE tasks t SET status = 'offered', delegate_id = p.delegate_id, delegate_name = p.name, replica_id = p.replica_id, attempt = t.attempt + 1,
         offered_at = now(), lease_id = NULL, lease_expires_at = NULL
    FROM picks p WHERE t.id = p.task_id AND t.status = 'queued'
  RETURNING t.*`;

/** Job data on a replica's queue: everything else is read from the task row when the job runs. */
export type ReplicaJob =
  | { op: 'offer'; taskId: string; attempt: number }
  | { op: 'cancel'; taskId: string; delegateId: string; reason: string };

/**
 * Moves tasks from queued to a delegate and back: routing, the offer → claim → lease handshake, renewals,
 * results (first one wins), lost leases, unclaimed offers and deadlines. Each replica owns one BullMQ queue
 * for the delegates connected to it; the router picks the delegate when the task is created and puts the
 * job on that delegate's replica's queue, so any replica can create work for any delegate.
 */
@Injectable()
export class TaskDispatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TaskDispatcher.name);
  private readonly queues = new Map<string, TaskQueue>();
  private worker?: TaskWorker;
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;
  /** The last sweep failed (database unreachable): leases could not be renewed meanwhile. */
  private sweepFailed = false;
  private readonly eventLog: TaskEventLog;
  /**
   * Rows of tasks admitted here for delegates connected here, by offer job id: when the job runs, the offer is
   * built from the row as admitted instead of read again (a task changed meanwhile is caught by the claim,
   * which only succeeds on an offered task of that attempt). Entries a job never came for are dropped by the sweep.
   */
  private readonly admittedHere = new Map<string, { task: RawTask; at: number }>();
  /** Offer jobs of other replicas' admissions running together read their tasks in one query. */
  private readonly offeredRows = coalesced<string, RawTask>(async (ids) => {
    const rows = (await this.dataSource.query(`SELECT * FROM tasks WHERE id = ANY($1::uuid[])`, [ids])) as RawTask[];
    const found = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => found.get(id));
  });
  /** Claims arriving together are granted in one statement. */
  private readonly admissions = new BatchedStatement<AdmittedTask, RawTask>((tasks) => this.admitBatch(tasks));
  private readonly claims = new BatchedStatement<Claim, { expiresAt: Date } | undefined>((claims) => this.grantLeases(claims));
  /** Delegates whose slots were freed, offered the oldest waiting tasks they can take (one statement at a time). */
  private readonly freedSlots = new BatchWriter<string>((delegateIds) =>
    this.offerWaiting([...new Set(delegateIds)]).catch((error: unknown) => this.logger.warn({ err: error }, 'could not offer waiting tasks; the sweep will')),
  );
  /** When this replica last saw a task left waiting: freed slots look for waiting tasks only while some may exist. */
  private waitingSeenAt = 0;
  /** Terminal states arriving together (results, mostly) are recorded in one statement. */
  private readonly finishes = new BatchedStatement<Finish, boolean>((finishes) => this.recordFinishes(finishes));

  constructor(
    @Inject(CONFIG) private readonly config: ConduitConfig,
    @Inject(REPLICA_ID) private readonly replicaId: string,
    private readonly dataSource: DataSource,
    private readonly backend: QueueBackend,
    private readonly sessions: DelegateSessions,
    private readonly events: TaskEvents,
    private readonly scopes: ScopesService,
    private readonly secrets: TaskSecrets,
    private readonly metrics: MetricsService,
  ) {
    this.eventLog = new TaskEventLog(
      dataSource,
      ({ delegateId, frame }) =>
        this.sessions.send(delegateId, { type: 'error', code: 'STALE_LEASE', message: `${frame.type} for task ${frame.taskId} refused: the lease is not current`, ref: 'leaseId' }),
      (error, { delegateId, frame }) => {
        this.logger.warn({ err: error, taskId: frame.taskId, seq: frame.seq }, 'could not record a task event');
        this.sessions.send(delegateId, { type: 'error', code: 'INTERNAL', message: `${frame.type} ${frame.seq} for task ${frame.taskId} could not be recorded` });
      },
    );
  }

  onModuleInit(): void {
    const dataSource = this.dataSource;
    new Gauge({
      name: 'conduit_tasks_in_flight',
      help: 'Tasks not yet finished, by status (all replicas)',
      labelNames: ['status'],
      registers: [this.metrics.registry],
      async collect() {
        const rows = (await dataSource.query(
          `SELECT status, count(*)::int AS n FROM tasks WHERE status IN ('queued', 'offered', 'claimed', 'running') GROUP BY status`,
        )) as Array<{ status: string; n: number }>;
        this.reset();
        for (const status of ['queued', 'offered', 'claimed', 'running']) this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
      },
    });
    this.sessions.onTaskFrame((delegateId, frame) => this.onFrame(delegateId, frame));
    // A delegate that (re)connects may be the one queued tasks were waiting for, or have offers stranded elsewhere.
    this.sessions.on('connected', (delegateId) =>
      void this.reofferStranded(delegateId)
        .then(() => this.routePending())
        .catch((error) => this.logger.warn({ err: error }, 'routing failed')),
    );
  }

  /** Starts this replica's worker and the sweeper; called once the queue backend is connected. */
  start(): void {
    this.worker = this.backend.worker(this.queueName(this.replicaId), (job) => this.runJob(job.data as ReplicaJob), { concurrency: 256 });
    this.sweeper = setInterval(() => void this.sweep(), this.config.TASK_SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.worker?.close();
    await Promise.all([this.eventLog.written(), this.admissions.flushed(), this.claims.flushed(), this.finishes.flushed(), this.freedSlots.flushed()]);
  }

  /**
   * Records a new task and, in the same statement, offers it to the least-loaded eligible delegate (or leaves
   * it queued for the sweeper when none is free); then delivers the offer. Tasks created together share the
   * statement and one queue round trip per replica.
   */
  admit(task: AdmittedTask): Promise<RawTask> {
    return this.admissions.call(task);
  }

  private async admitBatch(tasks: AdmittedTask[]): Promise<Array<RawTask | Error>> {
    // Tasks routed alike share a statement; the statements run one after another, so each sees the slots the previous took.
    const byRouting = groupBy(tasks, (task) => JSON.stringify([task.accountId, task.organizationId, task.projectId, task.selectors, task.kind, requiredGroupsOf(task)]));
    // Each statement commits on its own: a group the database refuses (a payload jsonb cannot hold) is retried task by
    // task and fails alone, without failing — or re-inserting — the groups already written.
    const outcomes = new Map<string, RawTask | Error>();
    for (const group of byRouting.values()) {
      let rows: RawTask[] = [];
      try {
        rows = await this.insertRouted(group);
      } catch (error) {
        for (const task of group) {
          const alone = group.length > 1 ? await this.insertRouted([task]).catch(asError) : asError(error);
          if (alone instanceof Error) outcomes.set(task.id, alone);
          else rows.push(...alone);
        }
      }
      for (const row of rows) outcomes.set(row.id, row);
      if (rows.some((row) => row.status === 'queued')) this.waitingSeenAt = Date.now();
    }
    const written = [...outcomes.values()].filter((outcome): outcome is RawTask => !(outcome instanceof Error));
    await this.deliver(written.filter((row) => row.status === 'offered'));
    return tasks.map((task) => outcomes.get(task.id) as RawTask | Error);
  }

  /** One ADMIT statement for tasks routed alike. */
  private async insertRouted(group: AdmittedTask[]): Promise<RawTask[]> {
    const [{ accountId, organizationId, projectId, selectors, kind }] = group as [AdmittedTask];
    return (await this.dataSource.query(ADMIT, [
      accountId,
      organizationId,
      projectId,
      JSON.stringify(selectors),
      kind,
      requiredGroupsOf(group[0] as AdmittedTask),
      group.map((t) => t.id),
      group.map((t) => t.mutating),
      group.map((t) => t.connectorId),
      group.map((t) => t.executionId),
      group.map((t) => JSON.stringify(t.payload)),
      group.map((t) => JSON.stringify(t.secretRefs)),
      group.map((t) => t.maxAttempts),
      group.map((t) => t.timeoutMs),
      group.map((t) => t.deadlineAt),
      group.map((t) => t.createdBy),
    ])) as RawTask[];
  }

  /** Tries to hand a queued task to an eligible delegate now; false when none is free. */
  async route(taskId: string): Promise<boolean> {
    const assigned = await this.dataSource.transaction(async (manager) => {
      const [task] = (await manager.query(`SELECT * FROM tasks WHERE id = $1 AND status = 'queued' FOR UPDATE SKIP LOCKED`, [taskId])) as RawTask[];
      if (!task) return undefined;
      const delegate = await this.pickDelegate(manager, task);
      if (!delegate) return undefined;
      const [rows]: [RawTask[], number] = await manager.query(
        `UPDATE tasks SET status = 'offered', delegate_id = $2, delegate_name = $3, replica_id = $4, attempt = attempt + 1,
                offered_at = now(), lease_id = NULL, lease_expires_at = NULL
          WHERE id = $1 AND status = 'queued' RETURNING *`,
        [taskId, delegate.id, delegate.name, delegate.replica_id],
      );
      return rows[0];
    });
    if (!assigned) return false;
    await this.deliver([assigned]);
    return true;
  }

  /**
   * Offers made to a delegate through another replica's queue, before it connected here: that replica died or
   * restarted (its queue may never be read again) or lost the socket. They go back to routing at once, without
   * counting against the delegate, instead of waiting out the claim timeout and then avoiding a delegate that
   * did nothing wrong.
   */
  private async reofferStranded(delegateId: string): Promise<void> {
    const [rows]: [Array<{ id: string }>, number] = await this.dataSource.query(
      `UPDATE tasks SET status = 'queued', delegate_id = NULL, replica_id = NULL
        WHERE id IN (SELECT id FROM tasks WHERE delegate_id = $1 AND status = 'offered' AND replica_id <> $2 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [delegateId, this.replicaId],
    );
    for (const { id } of rows) await this.route(id);
  }

  /** Asks the delegate running a task to stop it, through the replica that holds its socket. */
  async requestCancel(task: TaskEntity, reason: string): Promise<void> {
    if (task.delegateId && task.replicaId) await this.enqueue(task.replicaId, [{ op: 'cancel', taskId: task.id, delegateId: task.delegateId, reason }]);
  }

  private queueName(replicaId: string): string {
    return `conduit-tasks-${replicaId}`;
  }

  private async enqueue(replicaId: string, jobs: ReplicaJob[]): Promise<void> {
    let queue = this.queues.get(replicaId);
    if (!queue) {
      queue = this.backend.queue(this.queueName(replicaId));
      this.queues.set(replicaId, queue);
    }
    if (!this.backend.connected) throw new QueueUnavailableError('the task queue is unavailable (Redis is not connected)');
    const jobId = (job: ReplicaJob) => (job.op === 'offer' ? offerJobId(job.taskId, job.attempt) : `${job.op}-${randomUUID()}`);
    try {
      await queue.addBulk(jobs.map((job) => ({ name: job.op, data: job, opts: { jobId: jobId(job), removeOnComplete: true, removeOnFail: 1000 } })));
    } catch (error) {
      throw new QueueUnavailableError(`the task queue is unavailable (${(error as Error).message})`);
    }
  }

  private async runJob(job: ReplicaJob): Promise<void> {
    switch (job.op) {
      case 'offer':
        return this.offer(job.taskId, job.attempt);
      case 'cancel':
        this.sessions.send(job.delegateId, { type: 'cancel', taskId: job.taskId, reason: job.reason });
        return;
    }
  }

  /**
   * Hands offered tasks to their delegates as jobs on the queue of the replica holding each delegate's socket
   * (BullMQ stays the durable hand-off, even when that replica is this one), one round trip per replica. When
   * a queue refuses, those offers never left: the tasks go back to queued without being held against the
   * delegate (an unclaimed offer would be), so the sweeper routes them again once the queue is back.
   */
  private async deliver(tasks: RawTask[]): Promise<void> {
    const byReplica = groupBy(tasks, (task) => task.replica_id as string);
    for (const task of byReplica.get(this.replicaId) ?? []) this.admittedHere.set(offerJobId(task.id, task.attempt), { task, at: Date.now() });
    for (const [replica, offers] of byReplica) {
      try {
        await this.enqueue(replica, offers.map((task): ReplicaJob => ({ op: 'offer', taskId: task.id, attempt: task.attempt })));
      } catch (error) {
        for (const task of offers) this.admittedHere.delete(offerJobId(task.id, task.attempt));
        if (!(error instanceof QueueUnavailableError)) throw error;
        this.logger.warn({ tasks: offers.length, err: { message: error.message } }, 'offers not queued; routing them again shortly');
        // Should this fail too (the database gone as well), the offers stay unclaimed and the sweep re-routes them.
        await this.dataSource
          .query(
            `UPDATE tasks t SET status = 'queued', delegate_id = NULL, replica_id = NULL, next_attempt_at = now() + interval '1 second'
               FROM unnest($1::uuid[], $2::int[]) AS o(id, attempt)
              WHERE t.id = o.id AND t.attempt = o.attempt AND t.status = 'offered'`,
            [offers.map((t) => t.id), offers.map((t) => t.attempt)],
          )
          .catch((requeue: unknown) => this.logger.warn({ err: requeue }, 'could not re-queue the offers; the sweep will'));
      }
    }
  }

  private async offer(taskId: string, attempt: number): Promise<void> {
    const jobId = offerJobId(taskId, attempt);
    const admitted = this.admittedHere.get(jobId);
    this.admittedHere.delete(jobId);
    const task = admitted?.task ?? (await this.offeredRows.load(taskId));
    if (!task || task.status !== 'offered' || task.attempt !== attempt) return; // superseded meanwhile
    await this.sendOffer(task);
  }

  private async sendOffer(task: RawTask): Promise<void> {
    const { id: taskId, attempt } = task;
    let secrets: TaskSecret[];
    try {
      secrets = await this.secrets.forTask(task);
    } catch (error) {
      await this.finish(task.id, null, 'failed', undefined, { code: 'SECRET_UNAVAILABLE', message: (error as Error).message, stage: 'resolution' }, []);
      return;
    }
    const frame: TaskOfferFrame = {
      type: 'task_offer',
      taskId,
      kind: task.kind,
      attempt,
      mutating: task.mutating,
      timeoutMs: task.timeout_ms,
      payload: task.payload,
      secrets,
    };
    if (!this.sessions.send(task.delegate_id as string, frame)) {
      // The delegate left this replica between routing and now: route again.
      await this.requeue(task.id, attempt, task.delegate_id as string, 0);
    }
  }

  private async onFrame(delegateId: string, frame: TaskFrame): Promise<void> {
    switch (frame.type) {
      case 'claim':
        return this.claim(delegateId, frame.taskId, frame.attempt);
      case 'renew':
        return this.renew(delegateId, frame.taskId, frame.leaseId);
      case 'progress':
      case 'log':
        return this.record({ delegateId, frame });
      case 'result':
        return this.result(delegateId, frame);
    }
  }

  private async claim(delegateId: string, taskId: string, attempt: number): Promise<void> {
    const leaseId = randomUUID();
    const granted = await this.claims.call({ taskId, delegateId, attempt, leaseId });
    this.sessions.send(
      delegateId,
      granted
        ? { type: 'lease', taskId, granted: true, leaseId, expiresAt: granted.expiresAt.getTime(), renewEveryMs: Math.floor(this.config.TASK_LEASE_MS / 3) }
        : { type: 'lease', taskId, granted: false, reason: 'the task is no longer offered to this delegate' },
    );
  }

  /** Leases for a batch of claims: each granted only on a task still offered to that delegate at that attempt. */
  private async grantLeases(claims: Claim[]): Promise<Array<{ expiresAt: Date } | undefined>> {
    const [rows]: [Array<{ id: string; lease_id: string; lease_expires_at: Date }>, number] = await this.dataSource.query(
      `UPDATE tasks t SET status = 'claimed', lease_id = c.lease_id, claimed_at = now(), claims = t.claims + 1, lease_expires_at = now() + make_interval(secs => $5)
         FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[]) AS c(id, delegate_id, attempt, lease_id)
        WHERE t.id = c.id AND t.delegate_id = c.delegate_id AND t.attempt = c.attempt AND t.status = 'offered'
        RETURNING t.id, t.lease_id, t.lease_expires_at`,
      [claims.map((c) => c.taskId), claims.map((c) => c.delegateId), claims.map((c) => c.attempt), claims.map((c) => c.leaseId), this.config.TASK_LEASE_MS / 1000],
    );
    // A task claimed twice in one batch is granted to one claim only: the lease the row ended up with.
    const leases = new Map(rows.map((row) => [row.lease_id, new Date(row.lease_expires_at)]));
    return claims.map((c) => (leases.has(c.leaseId) ? { expiresAt: leases.get(c.leaseId) as Date } : undefined));
  }

  private async renew(delegateId: string, taskId: string, leaseId: string): Promise<void> {
    const [rows]: [Array<{ lease_expires_at: Date; cancel_requested: boolean }>, number] = await this.dataSource.query(
      `UPDATE tasks SET lease_expires_at = now() + make_interval(secs => $4)
        WHERE id = $1 AND delegate_id = $2 AND lease_id = $3 AND status IN ('claimed', 'running') RETURNING lease_expires_at, cancel_requested`,
      [taskId, delegateId, leaseId, this.config.TASK_LEASE_MS / 1000],
    );
    const renewed = rows[0];
    const frame: ControlPlaneFrame = renewed
      ? { type: 'lease', taskId, granted: true, leaseId, expiresAt: new Date(renewed.lease_expires_at).getTime(), renewEveryMs: Math.floor(this.config.TASK_LEASE_MS / 3) }
      : { type: 'lease', taskId, granted: false, reason: 'lease lost: the task was reassigned or ended' };
    this.sessions.send(delegateId, frame);
  }

  /** Progress and log frames: written in batches, each checked against the lease (refused ones get an error frame). */
  private record(event: ArrivedEvent): void {
    this.eventLog.append(event);
  }

  private async result(delegateId: string, frame: ResultFrame): Promise<void> {
    // The task's unwritten events go with the result, in its statement: once the result is in they would be refused.
    const events = await this.eventLog.takeForResult(frame.taskId, delegateId, frame.leaseId);
    const lease = { delegateId, leaseId: frame.leaseId };
    const finish = (withEvents: ArrivedEvent[]) => this.finish(frame.taskId, lease, frame.status, frame.output, frame.error, frame.stages, new Date(frame.startedAt), withEvents);
    const accepted = await finish(events).catch(async (error: unknown) => {
      if (!events.length) throw error;
      // An event the database cannot store must not cost the result: the events go the long way (one by one).
      events.forEach((event) => this.eventLog.append(event));
      await this.eventLog.written();
      return finish([]);
    });
    // Refused: the events were not written either; the event log tells the delegate which ones were stale.
    if (!accepted) events.forEach((event) => this.eventLog.append(event));
    this.sessions.send(delegateId, { type: 'result_ack', taskId: frame.taskId, accepted, ...(accepted ? {} : { reason: 'a result under a stale lease is not recorded' }) });
  }

  /**
   * Records a terminal state; only one caller ever succeeds (the first result, or the reaper), and only
   * under the current lease when one is given.
   */
  private finish(
    taskId: string,
    lease: { delegateId: string; leaseId: string } | null,
    status: 'succeeded' | 'failed' | 'cancelled' | 'unknown',
    output: Record<string, unknown> | undefined,
    error: TaskErrorBody | undefined,
    stages: unknown[],
    startedAt?: Date,
    /** Progress and log frames of the same lease, recorded in the same statement when the result is accepted. */
    events: ArrivedEvent[] = [],
  ): Promise<boolean> {
    return this.finishes.call({ taskId, lease, status, output, error, stages, startedAt: startedAt ?? null, events });
  }

  /**
   * One statement for a batch of terminal states and their events. A task named twice (its result sent
   * again, or a result racing the reaper) waits for the next statement, which then finds it finished.
   */
  private async recordFinishes(finishes: Finish[]): Promise<boolean[]> {
    const seen = new Set<string>();
    const now: Finish[] = [];
    const later: Finish[] = [];
    for (const f of finishes) {
      (seen.has(f.taskId) ? later : now).push(f);
      seen.add(f.taskId);
    }
    const events = now.flatMap((f) => f.events);
    const rows = (await this.dataSource.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::jsonb[], $5::jsonb[], $6::uuid[], $7::uuid[], $8::timestamptz[])
                AS i(id, status, output, error, stages, delegate_id, lease_id, started_at)
       ), done AS (
         UPDATE tasks t SET status = i.status, output = i.output, error = i.error, stages = i.stages, finished_at = now(), lease_expires_at = NULL,
                started_at = COALESCE(t.started_at, i.started_at)
           FROM input i
          WHERE t.id = i.id AND t.status NOT IN ('succeeded', 'failed', 'cancelled', 'unknown')
            AND (i.delegate_id IS NULL OR (t.delegate_id = i.delegate_id AND t.lease_id = i.lease_id AND t.status IN ('claimed', 'running')))
          RETURNING t.*
       ), events AS (
         INSERT INTO task_events (task_id, attempt, ${EVENT_COLUMNS.names})
         SELECT done.id, done.attempt, ${EVENT_COLUMNS.of('f')}
           FROM unnest($9::uuid[], ${EVENT_COLUMNS.from(10)}) AS f(task_id, ${EVENT_COLUMNS.names}) JOIN done ON done.id = f.task_id
         ON CONFLICT DO NOTHING
       )
       SELECT * FROM done`,
      [
        now.map((f) => f.taskId),
        now.map((f) => f.status),
        now.map((f) => (f.output ? storableJson(f.output) : null)),
        now.map((f) => (f.error ? storableJson(f.error) : null)),
        now.map((f) => storableJson(f.stages)),
        now.map((f) => f.lease?.delegateId ?? null),
        now.map((f) => f.lease?.leaseId ?? null),
        now.map((f) => f.startedAt),
        events.map((e) => e.frame.taskId),
        ...TaskEventLog.columns(events),
      ],
    )) as Array<RawTask & { queued_at: Date; finished_at: Date }>;
    const done = new Map(rows.map((row) => [row.id, row]));
    for (const row of rows) {
      const status = row.status as Finish['status'];
      this.metrics.tasksFinished.inc({ kind: row.kind, status });
      this.metrics.taskDuration.observe({ kind: row.kind, status }, (new Date(row.finished_at).getTime() - new Date(row.queued_at).getTime()) / 1000);
      this.events.emit('finished', row.id, { kind: row.kind, executionId: row.execution_id, row });
      if (row.delegate_id && this.mayHaveWaiting()) this.freedSlots.add(row.delegate_id);
    }
    const answers = new Map(now.map((f) => [f, done.has(f.taskId)]));
    const retried = later.length ? await this.recordFinishes(later) : [];
    later.forEach((f, i) => answers.set(f, retried[i] as boolean));
    return finishes.map((f) => answers.get(f) as boolean);
  }

  /** Tasks may be waiting: this replica left one queued, or its sweep found one, within the last few sweeps. */
  private mayHaveWaiting(): boolean {
    return Date.now() - this.waitingSeenAt < 4 * this.config.TASK_SWEEP_INTERVAL_MS + 1000;
  }

  private async offerWaiting(delegateIds: string[]): Promise<void> {
    const [rows]: [RawTask[], number] = await this.dataSource.query(OFFER_WAITING, [delegateIds]);
    await this.deliver(rows);
  }

  /** Back to the queue, away from the delegate that did not take it or lost it, after a jittered pause. */
  private async requeue(taskId: string, attempt: number, delegateId: string, backoffMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE tasks SET status = 'queued', delegate_id = NULL, replica_id = NULL, lease_id = NULL, lease_expires_at = NULL,
              excluded_delegates = excluded_delegates || to_jsonb($3::text), next_attempt_at = now() + make_interval(secs => $4)
        WHERE id = $1 AND attempt = $2 AND status IN ('offered', 'claimed', 'running')`,
      [taskId, attempt, delegateId, backoffMs / 1000],
    );
    if (backoffMs === 0) await this.route(taskId);
  }

  /** Runs on every replica; row locks (SKIP LOCKED) keep two replicas from handling the same task. */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      this.forgetStaleAdmissions();
      if (this.sweepFailed) await this.extendLeasesAfterOutage();
      await this.reapLostLeases();
      await this.reclaimUnclaimedOffers();
      await this.routePending();
      this.sweepFailed = false;
    } catch (error) {
      this.sweepFailed = true;
      this.logger.warn({ err: error }, 'task sweep failed; retrying next interval');
    } finally {
      this.sweeping = false;
    }
  }

  /** An offer job that has not run within the claim timeout never will here (its key was lost with Redis's). */
  private forgetStaleAdmissions(): void {
    const before = Date.now() - this.config.TASK_CLAIM_TIMEOUT_MS;
    for (const [jobId, { at }] of this.admittedHere) if (at < before) this.admittedHere.delete(jobId);
  }

  /**
   * While the database was unreachable no renewal and no result could be recorded, so a lease that ran out
   * meanwhile says nothing about its delegate. Each gets one more lease period: a live delegate renews it or
   * re-sends its result; a dead one is reaped a lease later than it would have been.
   */
  private async extendLeasesAfterOutage(): Promise<void> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE tasks SET lease_expires_at = now() + make_interval(secs => $1)
        WHERE status IN ('claimed', 'running') AND lease_expires_at < now() RETURNING id`,
      [this.config.TASK_LEASE_MS / 1000],
    );
    if (rows.length) this.logger.warn({ tasks: rows.length }, 'database back: leases that ran out while it was unreachable get one more lease period');
  }

  /**
   * A lease not renewed in time means the delegate (or its replica) is gone. A read-only task runs again
   * elsewhere; a mutating one becomes `unknown`: it may or may not have taken effect, and running it twice
   * could do harm.
   */
  private async reapLostLeases(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const lost = (await manager.query(
        `SELECT * FROM tasks WHERE status IN ('claimed', 'running') AND lease_expires_at < now() ORDER BY lease_expires_at LIMIT 200 FOR UPDATE SKIP LOCKED`,
      )) as RawTask[];
      for (const task of lost) {
        const who = task.delegate_name ?? task.delegate_id;
        if (task.cancel_requested) {
          await this.finishLocked(manager, task.id, 'cancelled', { code: 'CANCELLED', message: `cancelled; delegate ${who} did not confirm before its lease ran out` });
        } else if (task.mutating) {
          await this.finishLocked(manager, task.id, 'unknown', {
            code: 'LEASE_LOST',
            message: `delegate ${who} stopped renewing its lease mid-task; the operation may or may not have taken effect, and it is not re-run because it changes things`,
            hint: 'check the target system, then run it again if needed',
          });
        } else if (task.claims >= task.max_attempts) {
          await this.finishLocked(manager, task.id, 'failed', { code: 'LEASE_LOST', message: `lost its delegate ${task.claims} times (last: ${who}); giving up` });
        } else {
          const backoffMs = Math.floor(Math.random() * Math.min(10_000, 250 * 2 ** task.claims));
          await manager.query(
            `UPDATE tasks SET status = 'queued', delegate_id = NULL, replica_id = NULL, lease_id = NULL, lease_expires_at = NULL,
                    excluded_delegates = excluded_delegates || to_jsonb($2::text), next_attempt_at = now() + make_interval(secs => $3)
              WHERE id = $1`,
            [task.id, task.delegate_id, backoffMs / 1000],
          );
          this.logger.warn({ taskId: task.id, delegate: who, attempt: task.attempt, retryInMs: backoffMs }, 'lease lost; read-only task will run again elsewhere');
        }
      }
    });
  }

  private async finishLocked(manager: EntityManager, taskId: string, status: 'failed' | 'cancelled' | 'unknown', error: TaskErrorBody): Promise<void> {
    const [rows]: [Array<{ kind: string; execution_id: string | null }>, number] = await manager.query(
      `UPDATE tasks SET status = $2, error = $3, finished_at = now(), lease_expires_at = NULL WHERE id = $1 RETURNING kind, execution_id`,
      [taskId, status, JSON.stringify(error)],
    );
    const done = rows[0];
    if (!done) return;
    this.metrics.tasksFinished.inc({ kind: done.kind, status });
    // Notified after commit would be exact; waiters re-read the row (none is passed), so an early wake only costs a read.
    setImmediate(() => this.events.emit('finished', taskId, { kind: done.kind, executionId: done.execution_id }));
  }

  /** An offer nobody claimed in time (delegate busy, gone, or its replica died) goes back to the queue. */
  private async reclaimUnclaimedOffers(): Promise<void> {
    const [rows]: [Array<{ id: string; attempt: number; delegate_id: string }>, number] = await this.dataSource.query(
      `UPDATE tasks SET status = 'queued', excluded_delegates = excluded_delegates || to_jsonb(delegate_id::text), delegate_id = NULL, replica_id = NULL
        WHERE id IN (SELECT id FROM tasks WHERE status = 'offered' AND offered_at < now() - make_interval(secs => $1) LIMIT 200 FOR UPDATE SKIP LOCKED)
        RETURNING id, attempt, delegate_id`,
      [this.config.TASK_CLAIM_TIMEOUT_MS / 1000],
    );
    if (rows.length) this.logger.warn({ tasks: rows.length }, 'offers not claimed in time; routing again');
  }

  /** Routes what is waiting; fails what waited past its deadline, saying what no delegate matched. */
  private async routePending(): Promise<void> {
    const due = (await this.dataSource.query(
      `SELECT id, deadline_at < now() AS expired FROM tasks WHERE status = 'queued' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 500`,
    )) as Array<{ id: string; expired: boolean }>;
    if (due.length) this.waitingSeenAt = Date.now();
    for (const { id, expired } of due) {
      if (expired) {
        const [task] = (await this.dataSource.query(`SELECT * FROM tasks WHERE id = $1 AND status = 'queued'`, [id])) as RawTask[];
        if (task) await this.finish(id, null, 'failed', undefined, await this.noDelegateError(task), []);
      } else if (!(await this.route(id))) {
        // Nobody eligible yet: look again soon, without hammering the database for a long-waiting task.
        await this.dataSource.query(`UPDATE tasks SET next_attempt_at = now() + interval '1 second' WHERE id = $1 AND status = 'queued'`, [id]);
      }
    }
  }

  /**
   * Delegates a task was taken away from are avoided. A task never leased (claims = 0) was only not claimed in
   * time — its offer may have been lost with a replica or with Redis's keys — so those delegates stay
   * candidates, after the others; after a lost lease they are never asked again.
   */
  private async pickDelegate(manager: EntityManager, task: RawTask): Promise<{ id: string; name: string; replica_id: string } | undefined> {
    const neverAsked = task.claims > 0 ? task.excluded_delegates : [];
    const [delegate] = (await manager.query(eligibleDelegate(8), [
      task.account_id,
      task.organization_id,
      task.project_id,
      JSON.stringify(task.selectors),
      task.kind,
      neverAsked,
      requiredGroupsOf(task),
      task.excluded_delegates,
    ])) as Array<{ id: string; name: string; replica_id: string }>;
    return delegate;
  }

  private async noDelegateError(task: RawTask): Promise<TaskErrorBody> {
    const scope = describeScope(await this.scopes.fromIds(task.account_id, task.organization_id, task.project_id));
    const [counts] = (await this.dataSource.query(
      `SELECT count(*)::int AS connected,
              count(*) FILTER (WHERE in_scope)::int AS in_scope,
              count(*) FILTER (WHERE in_scope AND tags @> $4::jsonb)::int AS tagged,
              count(*) FILTER (WHERE in_scope AND tags @> $4::jsonb AND task_kinds ? $5)::int AS capable
         FROM (SELECT d.*, (d.organization_id IS NULL OR d.organization_id = $2) AND (d.project_id IS NULL OR d.project_id = $3) AS in_scope
                 FROM delegates d WHERE d.account_id = $1 AND d.status = 'connected') d`,
      [task.account_id, task.organization_id, task.project_id, JSON.stringify(task.selectors), task.kind],
    )) as Array<{ connected: number; in_scope: number; tagged: number; capable: number }>;
    const c = counts ?? { connected: 0, in_scope: 0, tagged: 0, capable: 0 };
    const groups = requiredGroupsOf(task);
    const tags = `${task.selectors.length ? `with tags [${task.selectors.join(', ')}]` : 'with any tags'}${groups ? ` in delegate group ${groups.map((g) => `'${g}'`).join(' or ')}` : ''}`;
    return {
      code: 'NO_ELIGIBLE_DELEGATE',
      message: `no delegate ${tags} for ${scope} that runs '${task.kind}' took the task before its deadline (connected: ${c.connected}, covering ${scope}: ${c.in_scope}, of those with the tags: ${c.tagged}, also running '${task.kind}': ${c.capable})`,
      hint: c.tagged === 0 ? `start a delegate with DELEGATE_TAGS including ${task.selectors.join(',') || '(any)'}` : 'add capacity or delegates',
      stage: 'resolution',
    };
  }
}

/** A claim of an offered task, and the lease id it gets when granted. */
interface Claim {
  taskId: string;
  delegateId: string;
  attempt: number;
  leaseId: string;
}

/** A terminal state to record: under `lease` (a delegate's result) or regardless (the control plane's verdict). */
interface Finish {
  taskId: string;
  lease: { delegateId: string; leaseId: string } | null;
  status: 'succeeded' | 'failed' | 'cancelled' | 'unknown';
  output: Record<string, unknown> | undefined;
  error: TaskErrorBody | undefined;
  stages: unknown[];
  startedAt: Date | null;
  events: ArrivedEvent[];
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The job id of an offer: one job per task attempt, so a repeated delivery of the same offer is one job. */
function offerJobId(taskId: string, attempt: number): string {
  return `${taskId}-${attempt}`;
}

/** A new task's row as TasksService has decided it; the dispatcher adds where it goes. */
export interface AdmittedTask {
  id: string;
  accountId: string;
  organizationId: string | null;
  projectId: string | null;
  kind: string;
  mutating: boolean;
  connectorId: string | null;
  executionId: string | null;
  payload: Record<string, unknown>;
  secretRefs: string[];
  selectors: string[];
  maxAttempts: number;
  timeoutMs: number;
  deadlineAt: Date;
  createdBy: string;
}

/** The delegate groups a task must run in (`payload.requiredGroups`), or null when any group will do. */
export function requiredGroupsOf(task: { payload: Record<string, unknown> }): string[] | null {
  const groups = task.payload['requiredGroups'];
  if (!Array.isArray(groups)) return null;
  return groups.filter((g): g is string => typeof g === 'string');
}

/** A tasks row as the raw queries here return it. */
export interface RawTask {
  id: string;
  account_id: string;
  organization_id: string | null;
  project_id: string | null;
  kind: string;
  mutating: boolean;
  payload: Record<string, unknown>;
  secret_refs: string[];
  selectors: string[];
  status: string;
  attempt: number;
  claims: number;
  max_attempts: number;
  excluded_delegates: string[];
  delegate_id: string | null;
  delegate_name: string | null;
  replica_id: string | null;
  execution_id: string | null;
  cancel_requested: boolean;
  timeout_ms: number;
}
