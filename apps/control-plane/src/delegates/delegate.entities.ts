import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A token delegates present when they connect; its scope bounds which tasks they may run. */
@Entity('delegate_tokens')
export class DelegateTokenEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'token_id', type: 'text' }) tokenId!: string;
  @Column({ name: 'secret_hash', type: 'text' }) secretHash!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'organization_id', type: 'uuid', nullable: true }) organizationId!: string | null;
  @Column({ name: 'project_id', type: 'uuid', nullable: true }) projectId!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
}

export type DelegateStatus = 'connected' | 'draining' | 'disconnected';

@Entity('delegates')
export class DelegateEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'organization_id', type: 'uuid', nullable: true }) organizationId!: string | null;
  @Column({ name: 'project_id', type: 'uuid', nullable: true }) projectId!: string | null;
  @Column({ name: 'token_id', type: 'uuid' }) tokenId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'group_name', type: 'text' }) group!: string;
  @Column({ type: 'jsonb' }) tags!: string[];
  @Column({ type: 'text' }) version!: string;
  @Column({ name: 'protocol_version', type: 'int' }) protocolVersion!: number;
  @Column({ type: 'int' }) capacity!: number;
  @Column({ name: 'task_kinds', type: 'jsonb' }) taskKinds!: string[];
  @Column({ name: 'public_key', type: 'text', nullable: true }) publicKey!: string | null;
  @Column({ type: 'text' }) status!: DelegateStatus;
  @Column({ name: 'replica_id', type: 'text', nullable: true }) replicaId!: string | null;
  @Column({ name: 'remote_address', type: 'text', nullable: true }) remoteAddress!: string | null;
  @Column({ name: 'connected_at', type: 'timestamptz', nullable: true }) connectedAt!: Date | null;
  @Column({ name: 'last_heartbeat_at', type: 'timestamptz', nullable: true }) lastHeartbeatAt!: Date | null;
  @Column({ name: 'disconnected_at', type: 'timestamptz', nullable: true }) disconnectedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** A delegate group's X25519 public key: values sealed to it open only on that group's delegates. */
@Entity('delegate_groups')
export class DelegateGroupEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'public_key', type: 'text' }) publicKey!: string;
  @Column({ name: 'key_id', type: 'text' }) keyId!: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
