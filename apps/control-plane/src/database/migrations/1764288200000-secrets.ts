import { MigrationInterface, QueryRunner } from 'typeorm';

/** Delegate groups with their public keys, secrets and their sealed versions. */
export class Secrets1764288200000 implements MigrationInterface {
  name = 'Secrets1764288200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE delegate_groups (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name text NOT NULL,
        public_key text NOT NULL,
        key_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (account_id, name)
      )`);
    await q.query(`
      CREATE TABLE secrets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        organization_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        project_id uuid REFERENCES projects(id) ON DELETE CASCADE,
        identifier text NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        tags jsonb NOT NULL DEFAULT '{}',
        kind text NOT NULL CHECK (kind IN ('text', 'file', 'ssh-key', 'certificate', 'reference')),
        allow_platform_use boolean NOT NULL DEFAULT false,
        current_version int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        updated_by text NOT NULL,
        CHECK (project_id IS NULL OR organization_id IS NOT NULL),
        CONSTRAINT secrets_scope_identifier_key UNIQUE NULLS NOT DISTINCT (account_id, organization_id, project_id, identifier)
      )`);
    // Each version holds either a sealed envelope (values) or an external reference (never a value).
    await q.query(`
      CREATE TABLE secret_versions (
        secret_id uuid NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
        version int NOT NULL,
        sealed jsonb,
        reference jsonb,
        sealed_by text NOT NULL CHECK (sealed_by IN ('control-plane', 'client', 'external')),
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        PRIMARY KEY (secret_id, version),
        CHECK ((sealed IS NULL) <> (reference IS NULL))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['secret_versions', 'secrets', 'delegate_groups']) await q.query(`DROP TABLE ${table}`);
  }
}
