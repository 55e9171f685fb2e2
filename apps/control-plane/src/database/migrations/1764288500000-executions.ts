import { MigrationInterface, QueryRunner } from 'typeorm';

/** Pipeline executions: one row per run, its stages' progress kept beside it. */
export class Executions1764288500000 implements MigrationInterface {
  name = 'Executions1764288500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE executions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        pipeline_id uuid REFERENCES pipelines(id) ON DELETE SET NULL,
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        organization_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        project_id uuid REFERENCES projects(id) ON DELETE CASCADE,
        pipeline_identifier text NOT NULL,
        pipeline_version int NOT NULL,
        yaml text NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'aborted')),
        current_stage int NOT NULL DEFAULT 0,
        stages jsonb NOT NULL,
        error jsonb,
        created_by text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX executions_pipeline_idx ON executions (pipeline_id, started_at DESC)`);
    await q.query(`CREATE INDEX executions_running_idx ON executions (status) WHERE status = 'running'`);
    await q.query(`ALTER TABLE tasks ADD COLUMN execution_id uuid REFERENCES executions(id) ON DELETE SET NULL`);
    await q.query(`CREATE INDEX tasks_execution_idx ON tasks (execution_id) WHERE execution_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE tasks DROP COLUMN execution_id');
    await q.query('DROP TABLE executions');
  }
}
