import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export type SecretKind = 'text' | 'file' | 'ssh-key' | 'certificate' | 'reference';

@Entity('secrets')
export class SecretEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'organization_id', type: 'uuid', nullable: true }) organizationId!: string | null;
  @Column({ name: 'project_id', type: 'uuid', nullable: true }) projectId!: string | null;
  @Column({ type: 'text' }) identifier!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) description!: string;
  @Column({ type: 'jsonb' }) tags!: Record<string, string>;
  @Column({ type: 'text' }) kind!: SecretKind;
  @Column({ name: 'allow_platform_use', type: 'boolean' }) allowPlatformUse!: boolean;
  @Column({ name: 'current_version', type: 'int' }) currentVersion!: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'created_by', type: 'text' }) createdBy!: string;
  @Column({ name: 'updated_by', type: 'text' }) updatedBy!: string;
}

/** Where an external secret manager keeps a value; resolved by a delegate inside the private network. */
export interface ExternalSecretReference {
  /** The secret manager connector (`account.vault`, `org.aws_sm`, `gcp_sm`). */
  manager: string;
  path: string;
  key?: string;
  version?: string;
}

@Entity('secret_versions')
export class SecretVersionEntity {
  @PrimaryColumn({ name: 'secret_id', type: 'uuid' }) secretId!: string;
  @PrimaryColumn({ type: 'int' }) version!: number;
  /** A SealedSecret envelope (see @conduit/crypto); never a value. */
  @Column({ type: 'jsonb', nullable: true }) sealed!: Record<string, unknown> | null;
  @Column({ type: 'jsonb', nullable: true }) reference!: ExternalSecretReference | null;
  @Column({ name: 'sealed_by', type: 'text' }) sealedBy!: 'control-plane' | 'client' | 'external';
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'created_by', type: 'text' }) createdBy!: string;
}
