import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AlertCondition } from './alert-rule.dto';

@Entity('alert_rules')
export class AlertRuleEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'organization_id', type: 'uuid', nullable: true }) organizationId!: string | null;
  @Column({ name: 'project_id', type: 'uuid', nullable: true }) projectId!: string | null;
  @Column({ type: 'text' }) identifier!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) description!: string;
  @Column({ type: 'boolean' }) enabled!: boolean;
  @Column({ type: 'text' }) kind!: AlertCondition['type'];
  @Column({ type: 'jsonb' }) condition!: AlertCondition;
  /** Connector references as written, resolved from the rule's scope each time it fires. */
  @Column({ type: 'jsonb' }) notify!: string[];
  /** The cooldown as written (`15m`); `cooldownMs` is what the firing compares. */
  @Column({ name: 'cooldown_ms', type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) cooldownMs!: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'created_by', type: 'text' }) createdBy!: string;
  @Column({ name: 'updated_by', type: 'text' }) updatedBy!: string;
  @Column({ type: 'int' }) version!: number;
}
