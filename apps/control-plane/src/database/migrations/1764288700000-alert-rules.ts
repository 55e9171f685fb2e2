import { MigrationInterface, QueryRunner } from 'typeorm';

/** Alert rules per scope, and every time one fired (or was held back by its cooldown). */
export class AlertRules1764288700000 implements MigrationInterface {
  name = 'AlertRules1764288700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        organization_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        project_id uuid REFERENCES projects(id) ON DELETE CASCADE,
        identifier text NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        enabled boolean NOT NULL DEFAULT true,
        kind text NOT NULL CHECK (kind IN ('ConnectorStatusChange', 'DelegateDisconnected', 'PipelineFailed')),
        condition jsonb NOT NULL,
        notify jsonb NOT NULL,
        cooldown_ms bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        updated_by text NOT NULL,
        version int NOT NULL DEFAULT 1,
        CONSTRAINT alert_rules_scope_identifier_key UNIQUE NULLS NOT DISTINCT (account_id, organization_id, project_id, identifier)
      )`);
    await q.query(`CREATE INDEX alert_rules_kind_idx ON alert_rules (account_id, kind) WHERE enabled`);
    await q.query(`
      CREATE TABLE alert_firings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        rule_id uuid NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
        subject text NOT NULL,
        dedup_key text NOT NULL,
        status text NOT NULL CHECK (status IN ('sent', 'suppressed')),
        event jsonb NOT NULL,
        notifications jsonb NOT NULL DEFAULT '[]',
        fired_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (rule_id, dedup_key)
      )`);
    await q.query(`CREATE INDEX alert_firings_rule_idx ON alert_firings (rule_id, fired_at DESC)`);
    await q.query(`CREATE INDEX alert_firings_subject_idx ON alert_firings (rule_id, subject, fired_at DESC) WHERE status = 'sent'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alert_firings');
    await q.query('DROP TABLE alert_rules');
  }
}
