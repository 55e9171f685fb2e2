import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface FieldChange {
  path: string;
  before?: JsonValue;
  after?: JsonValue;
}

/** Who did what to which resource, when, and which fields changed. Never a secret value. */
@Entity('audit_events')
export class AuditEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'organization_id', type: 'uuid', nullable: true }) organizationId!: string | null;
  @Column({ name: 'project_id', type: 'uuid', nullable: true }) projectId!: string | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) at!: Date;
  @Column({ name: 'actor_id', type: 'uuid', nullable: true }) actorId!: string | null;
  @Column({ name: 'actor_name', type: 'text' }) actorName!: string;
  @Column({ type: 'text' }) action!: string;
  @Column({ name: 'resource_type', type: 'text' }) resourceType!: string;
  @Column({ name: 'resource_id', type: 'uuid', nullable: true }) resourceId!: string | null;
  @Column({ name: 'resource_ref', type: 'text' }) resourceRef!: string;
  @Column({ type: 'jsonb' }) changes!: FieldChange[];
  @Column({ type: 'text' }) outcome!: 'success' | 'failure';
  @Column({ name: 'request_id', type: 'text', nullable: true }) requestId!: string | null;
}
