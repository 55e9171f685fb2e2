import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The connector lifecycle after the first test: periodic validation slots (one row per connector in use,
 * claimed by exactly one replica), the status history, SSH host keys servers presented (pinned or not: the connector's spec says), and the
 * admin's allowance for platform-mode connectors to reach private addresses.
 */
export class ConnectorLifecycle1764288600000 implements MigrationInterface {
  name = 'ConnectorLifecycle1764288600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connector_validations (
        connector_id uuid PRIMARY KEY REFERENCES connectors(id) ON DELETE CASCADE,
        due_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX connector_validations_due_idx ON connector_validations (due_at)`);
    await q.query(`
      CREATE TABLE connector_status_changes (
        id bigserial PRIMARY KEY,
        connector_id uuid NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
        from_status text NOT NULL,
        to_status text NOT NULL,
        reason text,
        task_id uuid REFERENCES tasks(id) ON DELETE SET NULL,
        changed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX connector_status_changes_connector_idx ON connector_status_changes (connector_id, changed_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE connector_host_keys (
        connector_id uuid NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
        fingerprint text NOT NULL,
        host text NOT NULL,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (connector_id, fingerprint)
      )`);
    await q.query(`ALTER TABLE connectors ADD COLUMN allow_private_networks boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connectors DROP COLUMN allow_private_networks`);
    await q.query('DROP TABLE connector_host_keys');
    await q.query('DROP TABLE connector_status_changes');
    await q.query('DROP TABLE connector_validations');
  }
}
