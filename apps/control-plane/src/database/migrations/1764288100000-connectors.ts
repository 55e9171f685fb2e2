import { MigrationInterface, QueryRunner } from 'typeorm';

/** Connectors, pipelines (with the connector references they hold) and the audit trail. */
export class Connectors1764288100000 implements MigrationInterface {
  name = 'Connectors1764288100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connectors (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        organization_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        project_id uuid REFERENCES projects(id) ON DELETE CASCADE,
        identifier text NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        type text NOT NULL,
        category text NOT NULL,
        spec jsonb NOT NULL,
        secret_refs jsonb NOT NULL DEFAULT '[]',
        tags jsonb NOT NULL DEFAULT '{}',
        delegate_selectors jsonb NOT NULL DEFAULT '[]',
        connectivity text NOT NULL CHECK (connectivity IN ('delegate', 'platform')),
        status text NOT NULL CHECK (status IN ('UNCONFIGURED', 'ACTIVE', 'FAILED')),
        error_summary text,
        errors jsonb NOT NULL DEFAULT '[]',
        last_tested_at timestamptz,
        last_connected_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        updated_by text NOT NULL,
        version int NOT NULL DEFAULT 1,
        CHECK (project_id IS NULL OR organization_id IS NOT NULL),
        CONSTRAINT connectors_scope_identifier_key UNIQUE NULLS NOT DISTINCT (account_id, organization_id, project_id, identifier)
      )`);
    await q.query(`CREATE INDEX connectors_scope_page_idx ON connectors (account_id, organization_id, project_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX connectors_tags_idx ON connectors USING gin (tags jsonb_path_ops)`);

    await q.query(`
      CREATE TABLE pipelines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        organization_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        project_id uuid REFERENCES projects(id) ON DELETE CASCADE,
        identifier text NOT NULL,
        name text NOT NULL,
        yaml text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        updated_by text NOT NULL,
        version int NOT NULL DEFAULT 1,
        CHECK (project_id IS NULL OR organization_id IS NOT NULL),
        CONSTRAINT pipelines_scope_identifier_key UNIQUE NULLS NOT DISTINCT (account_id, organization_id, project_id, identifier)
      )`);
    // Each connector reference of a pipeline, resolved to the scope it points at: answers "which
    // pipelines use this connector?" with an index lookup.
    await q.query(`
      CREATE TABLE pipeline_connector_refs (
        pipeline_id uuid NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
        path text NOT NULL,
        ref text NOT NULL,
        account_id uuid NOT NULL,
        organization_id uuid,
        project_id uuid,
        identifier text NOT NULL,
        PRIMARY KEY (pipeline_id, path)
      )`);
    await q.query(`CREATE INDEX pipeline_connector_refs_target_idx ON pipeline_connector_refs (account_id, organization_id, project_id, identifier)`);

    await q.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        organization_id uuid,
        project_id uuid,
        at timestamptz NOT NULL DEFAULT now(),
        actor_id uuid,
        actor_name text NOT NULL,
        action text NOT NULL,
        resource_type text NOT NULL,
        resource_id uuid,
        resource_ref text NOT NULL,
        changes jsonb NOT NULL DEFAULT '[]',
        outcome text NOT NULL DEFAULT 'success',
        request_id text
      )`);
    await q.query(`CREATE INDEX audit_events_account_at_idx ON audit_events (account_id, at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_events_resource_idx ON audit_events (resource_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['audit_events', 'pipeline_connector_refs', 'pipelines', 'connectors']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
