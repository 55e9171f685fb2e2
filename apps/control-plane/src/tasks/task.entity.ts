import { Column, Entity, PrimaryColumn } from 'typeorm';

export type TaskStatus = 'queued' | 'offered' | 'claimed' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'unknown';
export const ACTIVE_STATUSES: TaskStatus[] = ['offered', 'claimed', 'running'];
export const TERMINAL_STATUSES: TaskStatus[] = ['succeeded', 'failed', 'cancelled', 'unknown'];

export interface TaskErrorBody {
  code: string;
  message: string;
  hint?: string;
  stage?: string;
}

/** The durable record of one operation: what, where it may run, where it ran, how it went. */
@Entity('tasks')
export class TaskEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'organization_id', type: 'uuid', nullable: true }) organizationId!: string | null;
  @Column({ name: 'project_id', type: 'uuid', nullable: true }) projectId!: string | null;
  @Column({ type: 'text' }) kind!: string;
  @Column({ type: 'boolean' }) mutating!: boolean;
  @Column({ name: 'connector_id', type: 'uuid', nullable: true }) connectorId!: string | null;
  /** The pipeline execution this task is a stage of, if any. */
  @Column({ name: 'execution_id', type: 'uuid', nullable: true }) executionId!: string | null;
  @Column({ type: 'jsonb' }) payload!: Record<string, unknown>;
  @Column({ name: 'secret_refs', type: 'jsonb' }) secretRefs!: string[];
  @Column({ type: 'jsonb' }) selectors!: string[];
  @Column({ type: 'text' }) status!: TaskStatus;
  /** Offers made so far (each offer is a numbered attempt the delegate must claim). */
  @Column({ type: 'int' }) attempt!: number;
  /** Offers a delegate actually claimed, i.e. runs started: what the retry bound counts. */
  @Column({ type: 'int' }) claims!: number;
  @Column({ name: 'max_attempts', type: 'int' }) maxAttempts!: number;
  @Column({ name: 'excluded_delegates', type: 'jsonb' }) excludedDelegates!: string[];
  @Column({ name: 'delegate_id', type: 'uuid', nullable: true }) delegateId!: string | null;
  @Column({ name: 'delegate_name', type: 'text', nullable: true }) delegateName!: string | null;
  @Column({ name: 'replica_id', type: 'text', nullable: true }) replicaId!: string | null;
  @Column({ name: 'lease_id', type: 'uuid', nullable: true }) leaseId!: string | null;
  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true }) leaseExpiresAt!: Date | null;
  @Column({ name: 'cancel_requested', type: 'boolean' }) cancelRequested!: boolean;
  @Column({ name: 'timeout_ms', type: 'int' }) timeoutMs!: number;
  @Column({ name: 'deadline_at', type: 'timestamptz' }) deadlineAt!: Date;
  @Column({ name: 'next_attempt_at', type: 'timestamptz' }) nextAttemptAt!: Date;
  @Column({ name: 'queued_at', type: 'timestamptz' }) queuedAt!: Date;
  @Column({ name: 'offered_at', type: 'timestamptz', nullable: true }) offeredAt!: Date | null;
  @Column({ name: 'claimed_at', type: 'timestamptz', nullable: true }) claimedAt!: Date | null;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  @Column({ type: 'jsonb', nullable: true }) output!: Record<string, unknown> | null;
  @Column({ type: 'jsonb', nullable: true }) error!: TaskErrorBody | null;
  @Column({ type: 'jsonb' }) stages!: Array<Record<string, unknown>>;
  @Column({ name: 'created_by', type: 'text' }) createdBy!: string;
}
