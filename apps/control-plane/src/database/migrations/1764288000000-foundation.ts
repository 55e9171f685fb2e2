import { MigrationInterface, QueryRunner } from 'typeorm';

/** The scope tree, principals and API keys, delegate tokens and delegates. */
export class Foundation1764288000000 implements MigrationInterface {
  name = 'Foundation1764288000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        identifier text NOT NULL UNIQUE,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        identifier text NOT NULL,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (account_id, identifier)
      )`);
    await q.query(`
      CREATE TABLE projects (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        identifier text NOT NULL,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (organization_id, identifier)
      )`);
    await q.query(`
      CREATE TABLE principals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('user', 'service')),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (account_id, name)
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key_id text NOT NULL UNIQUE,
        secret_hash text NOT NULL,
        principal_id uuid NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE role_bindings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        principal_id uuid NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('admin', 'developer', 'viewer')),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        organization_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        project_id uuid REFERENCES projects(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (project_id IS NULL OR organization_id IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX role_bindings_principal_idx ON role_bindings (principal_id)`);
    await q.query(`
      CREATE TABLE delegate_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_id text NOT NULL UNIQUE,
        secret_hash text NOT NULL,
        name text NOT NULL,
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        organization_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        project_id uuid REFERENCES projects(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        CHECK (project_id IS NULL OR organization_id IS NOT NULL)
      )`);
    await q.query(`
      CREATE TABLE delegates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        organization_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        project_id uuid REFERENCES projects(id) ON DELETE CASCADE,
        token_id uuid NOT NULL REFERENCES delegate_tokens(id) ON DELETE CASCADE,
        name text NOT NULL,
        group_name text NOT NULL,
        tags jsonb NOT NULL DEFAULT '[]',
        version text NOT NULL,
        protocol_version int NOT NULL,
        capacity int NOT NULL,
        task_kinds jsonb NOT NULL DEFAULT '[]',
        public_key text,
        status text NOT NULL CHECK (status IN ('connected', 'draining', 'disconnected')),
        replica_id text,
        remote_address text,
        connected_at timestamptz,
        last_heartbeat_at timestamptz,
        disconnected_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (account_id, name)
      )`);
    await q.query(`CREATE INDEX delegates_status_idx ON delegates (account_id, status)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['delegates', 'delegate_tokens', 'role_bindings', 'api_keys', 'principals', 'projects', 'organizations', 'accounts']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
