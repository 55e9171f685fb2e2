import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tasks (the durable record of every operation) and their progress and log events. */
export class Tasks1764288300000 implements MigrationInterface {
  name = 'Tasks1764288300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tasks (
        id uuid PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        organization_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        project_id uuid REFERENCES projects(id) ON DELETE CASCADE,
        kind text NOT NULL,
        mutating boolean NOT NULL,
        connector_id uuid REFERENCES connectors(id) ON DELETE SET NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        secret_refs jsonb NOT NULL DEFAULT '[]',
        selectors jsonb NOT NULL DEFAULT '[]',
        status text NOT NULL CHECK (status IN ('queued', 'offered', 'claimed', 'running', 'succeeded', 'failed', 'cancelled', 'unknown')),
        attempt int NOT NULL DEFAULT 0,
        claims int NOT NULL DEFAULT 0,
        max_attempts int NOT NULL,
        excluded_delegates jsonb NOT NULL DEFAULT '[]',
        delegate_id uuid REFERENCES delegates(id) ON DELETE SET NULL,
        delegate_name text,
        replica_id text,
        lease_id uuid,
        lease_expires_at timestamptz,
        cancel_requested boolean NOT NULL DEFAULT false,
        timeout_ms int NOT NULL,
        deadline_at timestamptz NOT NULL,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        queued_at timestamptz NOT NULL DEFAULT now(),
        offered_at timestamptz,
        claimed_at timestamptz,
        started_at timestamptz,
        finished_at timestamptz,
        output jsonb,
        error jsonb,
        stages jsonb NOT NULL DEFAULT '[]',
        created_by text NOT NULL
      )`);
    await q.query(`CREATE INDEX tasks_pending_idx ON tasks (next_attempt_at) WHERE status = 'queued'`);
    await q.query(`CREATE INDEX tasks_leased_idx ON tasks (lease_expires_at) WHERE status IN ('claimed', 'running')`);
    await q.query(`CREATE INDEX tasks_offered_idx ON tasks (offered_at) WHERE status = 'offered'`);
    await q.query(`CREATE INDEX tasks_delegate_active_idx ON tasks (delegate_id) WHERE status IN ('offered', 'claimed', 'running')`);
    await q.query(`CREATE INDEX tasks_account_queued_idx ON tasks (account_id, queued_at DESC, id DESC)`);
    await q.query(`CREATE INDEX tasks_connector_idx ON tasks (connector_id, queued_at DESC)`);
    await q.query(`
      CREATE TABLE task_events (
        task_id uuid NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        attempt int NOT NULL,
        seq int NOT NULL,
        type text NOT NULL CHECK (type IN ('progress', 'log')),
        stream text,
        stage text,
        status text,
        data text,
        duration_ms int,
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (task_id, attempt, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE task_events');
    await q.query('DROP TABLE tasks');
  }
}
