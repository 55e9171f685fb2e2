import { MigrationInterface, QueryRunner } from 'typeorm';

/** The history of connection tests: every outcome, its stage, latency, errors and where it ran. */
export class ConnectorChecks1764288400000 implements MigrationInterface {
  name = 'ConnectorChecks1764288400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connector_checks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        connector_id uuid NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
        task_id uuid UNIQUE REFERENCES tasks(id) ON DELETE SET NULL,
        status text NOT NULL CHECK (status IN ('SUCCESS', 'FAILURE')),
        stage text,
        message text,
        errors jsonb NOT NULL DEFAULT '[]',
        latency_ms int,
        delegate_name text,
        previous_status text NOT NULL,
        tested_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX connector_checks_connector_idx ON connector_checks (connector_id, tested_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE connector_checks');
  }
}
