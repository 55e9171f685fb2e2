import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ConnectorStatus = 'UNCONFIGURED' | 'ACTIVE' | 'FAILED';
export type Connectivity = 'delegate' | 'platform';

export interface ConnectorErrorEntry {
  code: string;
  message: string;
  hint?: string;
}

@Entity('connectors')
export class ConnectorEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'organization_id', type: 'uuid', nullable: true }) organizationId!: string | null;
  @Column({ name: 'project_id', type: 'uuid', nullable: true }) projectId!: string | null;
  @Column({ type: 'text' }) identifier!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) description!: string;
  @Column({ type: 'text' }) type!: string;
  @Column({ type: 'text' }) category!: string;
  @Column({ type: 'jsonb' }) spec!: Record<string, unknown>;
  @Column({ name: 'secret_refs', type: 'jsonb' }) secretRefs!: Array<{ path: string; ref: string; expression?: true }>;
  @Column({ type: 'jsonb' }) tags!: Record<string, string>;
  @Column({ name: 'delegate_selectors', type: 'jsonb' }) delegateSelectors!: string[];
  @Column({ type: 'text' }) connectivity!: Connectivity;
  @Column({ type: 'text' }) status!: ConnectorStatus;
  @Column({ name: 'error_summary', type: 'text', nullable: true }) errorSummary!: string | null;
  @Column({ type: 'jsonb' }) errors!: ConnectorErrorEntry[];
  @Column({ name: 'last_tested_at', type: 'timestamptz', nullable: true }) lastTestedAt!: Date | null;
  @Column({ name: 'last_connected_at', type: 'timestamptz', nullable: true }) lastConnectedAt!: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'created_by', type: 'text' }) createdBy!: string;
  @Column({ name: 'updated_by', type: 'text' }) updatedBy!: string;
  @Column({ type: 'int' }) version!: number;
}
