import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { HelloFrame } from '@conduit/protocol';
import { Repository } from 'typeorm';
import { BatchWriter } from '../common/batch-writer';
import { CONFIG, ConduitConfig } from '../config/config';
import { REPLICA_ID } from '../replica';
import { DelegateEntity, DelegateTokenEntity } from './delegate.entities';
import { DelegateSessions } from './delegate-sessions';

export interface DelegateConnection {
  delegateId: string;
  /** connected_at as PostgreSQL prints it: a Date would drop the microseconds and never match the row again. */
  connectedAt: string;
}

/**
 * The durable view of delegates: who connected, where, and when they were last heard from. Heartbeats are
 * written in one batch per interval rather than one UPDATE each, so thousands of idle delegates cost a
 * handful of writes.
 */
@Injectable()
export class DelegatesService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DelegatesService.name);
  private readonly pendingHeartbeats = new Map<string, Date>();
  /** Closed sockets, recorded together: 10,000 delegates leaving at once cost a few statements, not 10,000. */
  private readonly disconnects = new BatchWriter<DelegateConnection>((batch) =>
    this.recordDisconnects(batch).catch((error: unknown) =>
      // The silence sweeper marks them gone later; a delegate is never left connected for good.
      this.logger.warn({ err: error, delegates: batch.length }, 'could not record disconnects; the silence sweep will'),
    ),
  );
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: ConduitConfig,
    @Inject(REPLICA_ID) private readonly replicaId: string,
    @InjectRepository(DelegateEntity) private readonly delegates: Repository<DelegateEntity>,
    private readonly sessions: DelegateSessions,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), this.config.DELEGATE_HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flushHeartbeats().catch(() => undefined);
    await this.disconnects.flushed();
    // Whatever sockets this replica still held go with it: without this their rows would read `connected` on a
    // replica that is gone until the silence sweep, and tasks routed to them would wait on a queue nobody reads.
    await this.delegates
      .query(`UPDATE delegates SET status = 'disconnected', disconnected_at = now() WHERE replica_id = $1 AND status <> 'disconnected'`, [this.replicaId])
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not mark this replica\'s delegates disconnected'));
  }

  async register(token: DelegateTokenEntity, hello: HelloFrame, remoteAddress: string | null): Promise<DelegateConnection> {
    const rows: Array<{ id: string; connected_at: string }> = await this.delegates.query(
      `INSERT INTO delegates (account_id, organization_id, project_id, token_id, name, group_name, tags, version,
                              protocol_version, capacity, task_kinds, public_key, status, replica_id, remote_address,
                              connected_at, last_heartbeat_at, disconnected_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'connected', $13, $14, now(), now(), NULL)
       ON CONFLICT (account_id, name) DO UPDATE SET
         organization_id = EXCLUDED.organization_id, project_id = EXCLUDED.project_id, token_id = EXCLUDED.token_id,
         group_name = EXCLUDED.group_name, tags = EXCLUDED.tags, version = EXCLUDED.version,
         protocol_version = EXCLUDED.protocol_version, capacity = EXCLUDED.capacity, task_kinds = EXCLUDED.task_kinds,
         public_key = EXCLUDED.public_key, status = 'connected', replica_id = EXCLUDED.replica_id,
         remote_address = EXCLUDED.remote_address, connected_at = now(), last_heartbeat_at = now(),
         disconnected_at = NULL
       RETURNING id, connected_at::text AS connected_at`,
      [
        token.accountId,
        token.organizationId,
        token.projectId,
        token.id,
        hello.name,
        hello.group,
        JSON.stringify(hello.tags),
        hello.version,
        hello.protocolVersion,
        hello.capacity,
        JSON.stringify(hello.taskKinds),
        hello.publicKey ?? null,
        this.replicaId,
        remoteAddress,
      ],
    );
    const row = rows[0] as { id: string; connected_at: string };
    return { delegateId: row.id, connectedAt: row.connected_at };
  }

  heartbeat(delegateId: string): void {
    this.pendingHeartbeats.set(delegateId, new Date());
  }

  /** Marks a delegate gone (in the next batch), unless it has meanwhile reconnected (to this replica or another). */
  disconnected(connection: DelegateConnection): void {
    this.pendingHeartbeats.delete(connection.delegateId);
    this.disconnects.add(connection);
  }

  private async recordDisconnects(batch: DelegateConnection[]): Promise<void> {
    await this.delegates.query(
      `UPDATE delegates d SET status = 'disconnected', disconnected_at = now()
         FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::timestamptz[]) AS connected_at) gone
        WHERE d.id = gone.id AND d.connected_at = gone.connected_at AND d.replica_id = $3`,
      [batch.map((c) => c.delegateId), batch.map((c) => c.connectedAt), this.replicaId],
    );
  }

  /** The account's delegates with their current load (tasks offered to or running on each). */
  async listForAccount(accountId: string): Promise<Array<DelegateEntity & { running: number }>> {
    const delegates = await this.delegates.find({ where: { accountId }, order: { name: 'ASC' } });
    const loads = (await this.delegates.query(
      `SELECT delegate_id, count(*)::int AS running FROM tasks
        WHERE account_id = $1 AND status IN ('offered', 'claimed', 'running') GROUP BY delegate_id`,
      [accountId],
    )) as Array<{ delegate_id: string; running: number }>;
    const load = new Map(loads.map((l) => [l.delegate_id, l.running]));
    return delegates.map((d) => Object.assign(d, { running: load.get(d.id) ?? 0 }));
  }

  private async tick(): Promise<void> {
    try {
      await this.flushHeartbeats();
      await this.sweepSilent();
      await this.drainRevoked();
    } catch (error) {
      this.logger.warn({ err: error }, 'delegate bookkeeping failed; retrying next interval');
    }
  }

  /**
   * Records the interval's heartbeats in one statement. A delegate the sweeper gave up on while its socket
   * was in fact alive here (a stalled event loop, a slow database) comes back as connected.
   */
  private async flushHeartbeats(): Promise<void> {
    if (this.pendingHeartbeats.size === 0) return;
    const batch = [...this.pendingHeartbeats];
    this.pendingHeartbeats.clear();
    await this.delegates.query(
      `UPDATE delegates d SET last_heartbeat_at = v.at,
              status = CASE WHEN d.status = 'disconnected' THEN 'connected' ELSE d.status END,
              disconnected_at = NULL, replica_id = $3
         FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::timestamptz[]) AS at) v
        WHERE d.id = v.id`,
      [batch.map(([id]) => id), batch.map(([, at]) => at.toISOString()), this.replicaId],
    );
  }

  /**
   * A revoked token drains the delegates using it: they finish what they run (within the grace period),
   * take nothing new (routing skips draining delegates), and disconnect; the token then refuses them.
   */
  private async drainRevoked(): Promise<void> {
    const [rows]: [Array<{ id: string }>, number] = await this.delegates.query(
      `UPDATE delegates d SET status = 'draining' FROM delegate_tokens t
        WHERE d.token_id = t.id AND t.revoked_at IS NOT NULL AND d.status = 'connected' AND d.replica_id = $1
        RETURNING d.id`,
      [this.replicaId],
    );
    for (const { id } of rows) {
      this.sessions.send(id, { type: 'drain', reason: 'the delegate token was revoked', graceMs: this.config.DELEGATE_DRAIN_GRACE_MS });
    }
  }

  /** Delegates whose replica died never send a close: silence past the allowance marks them gone. */
  private async sweepSilent(): Promise<void> {
    const allowanceMs = this.config.DELEGATE_HEARTBEAT_INTERVAL_MS * this.config.DELEGATE_MISSED_HEARTBEATS;
    await this.delegates.query(
      `UPDATE delegates SET status = 'disconnected', disconnected_at = now()
        WHERE status <> 'disconnected' AND last_heartbeat_at < now() - make_interval(secs => $1)`,
      [allowanceMs / 1000],
    );
  }
}
