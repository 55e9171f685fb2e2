import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type Role = 'admin' | 'developer' | 'viewer';

/** Who acts: a person or an automation. API keys and role bindings hang off a principal. */
@Entity('principals')
export class PrincipalEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) kind!: 'user' | 'service';
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** An API key: only the lookup id and a hash of the secret part are stored. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'key_id', type: 'text' }) keyId!: string;
  @Column({ name: 'secret_hash', type: 'text' }) secretHash!: string;
  @Column({ name: 'principal_id', type: 'uuid' }) principalId!: string;
  @Column({ type: 'text' }) name!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt!: Date | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
}

/** A role held by a principal at one scope: the account, an organization, or a project. */
@Entity('role_bindings')
export class RoleBindingEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'principal_id', type: 'uuid' }) principalId!: string;
  @Column({ type: 'text' }) role!: Role;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'organization_id', type: 'uuid', nullable: true }) organizationId!: string | null;
  @Column({ name: 'project_id', type: 'uuid', nullable: true }) projectId!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
