import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ExecutionStatus = 'running' | 'succeeded' | 'failed' | 'aborted';
export type StageStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'ignored' | 'aborted' | 'skipped';

export interface StepRecord {
  name: string;
  status: string;
  exitCode?: number | null;
  durationMs?: number;
  attempts?: number;
  /** Resolution, Validation, Authentication, Connection, Operation, Monitoring: each with its status and time. */
  phases?: Array<{ phase: string; status: string; durationMs: number }>;
}

export interface StageRecord {
  name: string;
  type: 'ci' | 'deploy';
  status: StageStatus;
  /** Tasks run for this stage, the last one current (a retried stage has several). */
  taskIds: string[];
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  steps: StepRecord[];
  /** What the stage ran against, resolved when the execution started (connector refs to where they point). */
  target?: Record<string, unknown>;
  error: { code: string; message: string } | null;
}

@Entity('executions')
export class ExecutionEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'pipeline_id', type: 'uuid', nullable: true }) pipelineId!: string | null;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'organization_id', type: 'uuid', nullable: true }) organizationId!: string | null;
  @Column({ name: 'project_id', type: 'uuid', nullable: true }) projectId!: string | null;
  @Column({ name: 'pipeline_identifier', type: 'text' }) pipelineIdentifier!: string;
  @Column({ name: 'pipeline_version', type: 'int' }) pipelineVersion!: number;
  /** The YAML as it was when the run started: a later edit does not change a run in flight. */
  @Column({ type: 'text' }) yaml!: string;
  @Column({ type: 'text' }) status!: ExecutionStatus;
  @Column({ name: 'current_stage', type: 'int' }) currentStage!: number;
  @Column({ type: 'jsonb' }) stages!: StageRecord[];
  @Column({ type: 'jsonb', nullable: true }) error!: { code: string; message: string } | null;
  @Column({ name: 'created_by', type: 'text' }) createdBy!: string;
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt!: Date;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
}
