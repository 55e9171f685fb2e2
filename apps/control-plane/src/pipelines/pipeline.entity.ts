import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('pipelines')
export class PipelineEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'organization_id', type: 'uuid', nullable: true }) organizationId!: string | null;
  @Column({ name: 'project_id', type: 'uuid', nullable: true }) projectId!: string | null;
  @Column({ type: 'text' }) identifier!: string;
  @Column({ type: 'text' }) name!: string;
  /** The YAML as the user wrote it: returned verbatim, so comments and order survive. */
  @Column({ type: 'text' }) yaml!: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'created_by', type: 'text' }) createdBy!: string;
  @Column({ name: 'updated_by', type: 'text' }) updatedBy!: string;
  @Column({ type: 'int' }) version!: number;
}
