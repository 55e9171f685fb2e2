import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  collectSecretRefs,
  connectivityOf,
  getConnectorType,
  ImportedConnector,
  parseHarnessConnectorYaml,
  specExpressions,
  SUPPORTED_TYPES,
  validateConnectorSpec,
} from '@conduit/connectors';
import { Brackets, DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { diffFields, toJson } from '../audit/diff';
import type { Actor } from '../auth/actor';
import { ApiError } from '../common/api-error';
import { isUniqueViolation } from '../common/db-errors';
import { FieldIssue } from '../common/zod-validation.pipe';
import { AccessService } from '../auth/access.service';
import { accountScopeOf, describeScope, Scope, scopeChain } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import { SecretsService } from '../secrets/secrets.service';
import { ConnectorInput, ConnectorListQuery, ConnectorUpdate } from './connector.dto';
import { ConnectorEntity, ConnectorErrorEntry, ConnectorStatus } from './connector.entity';
import { withMissingSecrets } from './connector-errors';
import { PlatformSecrets } from './platform-secrets';

/** What validation makes of a connector request: the columns to store. */
interface PreparedConnector {
  identifier: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  type: string;
  category: string;
  spec: Record<string, unknown>;
  /** From *Ref fields, and from expressions inside plain fields (`expression: true`). */
  secretRefs: Array<{ path: string; ref: string; expression?: true }>;
  delegateSelectors: string[];
  connectivity: 'delegate' | 'platform';
  status: ConnectorStatus;
  errorSummary: string | null;
  errors: ConnectorErrorEntry[];
}

export interface ImportReport {
  ignoredFields: string[];
  overrides: Array<{ field: string; file: string | null; used: string | null }>;
  placeholders: Array<{ path: string; value: string }>;
}

/** A 400 naming every field at fault; each message starts with its path, as everywhere in the API. */
const invalid = (issues: FieldIssue[]): never => {
  const named = issues.map(({ path, message }) => ({ path, message: !path || message.startsWith(path) ? message : `${path}: ${message}` }));
  throw ApiError.badRequest(named[0]?.message ?? 'invalid connector', named);
};

/** Selectors match delegate tags case-insensitively; stored lower-case so routing compares plainly. */
const normalizeSelectors = (selectors: string[]) => [...new Set(selectors.map((s) => s.toLowerCase()))];

/** Columns of a scope, for a lookup by scope and identifier. */
function scopeWhere(scope: Scope) {
  return {
    accountId: scope.accountId,
    organizationId: scope.organizationId ?? IsNull(),
    projectId: scope.projectId ?? IsNull(),
  };
}

/** The auditable face of a connector: what an admin would want to see change, never a secret value. */
function auditable(c: Pick<ConnectorEntity, 'name' | 'description' | 'tags' | 'type' | 'spec'>) {
  return toJson({ name: c.name, description: c.description, tags: c.tags, type: c.type, spec: c.spec });
}

@Injectable()
export class ConnectorsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scopes: ScopesService,
    private readonly audit: AuditService,
    private readonly secrets: SecretsService,
    private readonly platformSecrets: PlatformSecrets,
    private readonly access: AccessService,
    @InjectRepository(ConnectorEntity) private readonly connectors: Repository<ConnectorEntity>,
  ) {}

  async create(actor: Actor, scope: Scope, input: ConnectorInput): Promise<ConnectorEntity> {
    return this.insert(actor, scope, await this.withSecretCheck(scope, this.prepare(scope, input)), 'connector.create');
  }

  /** Harness connector YAML: placed by the file's org/project unless the request names a scope. */
  async importYaml(
    actor: Actor,
    text: string,
    target: Scope | undefined,
    authorize: (scope: Scope) => void,
  ): Promise<{ entity: ConnectorEntity; scope: Scope; report: ImportReport }> {
    const parsed = parseHarnessConnectorYaml(text);
    if (!parsed.ok) invalid(parsed.errors.map((e) => ({ path: e.path, message: e.message })));
    const imported = (parsed as { ok: true; connector: ImportedConnector }).connector;
    const overrides: ImportReport['overrides'] = [];
    let scope: Scope;
    if (target) {
      scope = target;
      if ((imported.orgIdentifier ?? null) !== target.orgIdentifier) overrides.push({ field: 'orgIdentifier', file: imported.orgIdentifier ?? null, used: target.orgIdentifier });
      if ((imported.projectIdentifier ?? null) !== target.projectIdentifier) overrides.push({ field: 'projectIdentifier', file: imported.projectIdentifier ?? null, used: target.projectIdentifier });
    } else {
      try {
        scope = await this.scopes.resolve(actor.principal.accountId, { org: imported.orgIdentifier, project: imported.projectIdentifier });
      } catch (error) {
        if (error instanceof ApiError && error.code === 'NOT_FOUND') {
          throw ApiError.notFound(`${error.message} (named by the file); create it, or import into another scope with ?org=&project= or ?scope=account`);
        }
        throw error;
      }
    }
    authorize(scope);
    const prepared = await this.withSecretCheck(scope, this.prepareImported(scope, imported));
    const entity = await this.insert(actor, scope, prepared, 'connector.import');
    return { entity, scope, report: { ignoredFields: imported.ignoredFields, overrides, placeholders: imported.placeholders } };
  }

  /** Finds a connector by reference (`x`, `org.x`, `account.x`) as seen from a scope. */
  async get(from: Scope, ref: string): Promise<{ entity: ConnectorEntity; scope: Scope }> {
    const { scope, identifier } = this.scopes.targetOf(from, ref);
    const entity = await this.connectors.findOneBy({ ...scopeWhere(scope), identifier });
    if (!entity) throw ApiError.notFound(`connector '${ref}' not found in ${describeScope(scope)}`);
    return { entity, scope };
  }

  /** `action` names the change in the audit trail (a confirmed host key is an update of its own kind). */
  async update(actor: Actor, scope: Scope, current: ConnectorEntity, input: ConnectorUpdate, action = 'connector.update'): Promise<ConnectorEntity> {
    if (input.identifier !== current.identifier) {
      invalid([{ path: 'identifier', message: `identifier: is immutable (the connector is '${current.identifier}')` }]);
    }
    if (input.type.toLowerCase() !== current.type.toLowerCase()) {
      invalid([{ path: 'type', message: `type: is immutable (the connector is a ${current.type}); create a new connector instead` }]);
    }
    const prepared = await this.withSecretCheck(scope, this.prepare(scope, input));
    // An admin's allowance to reach private networks covers what they saw: an edit by anyone else ends it.
    const keepsNetworkAccess = this.access.can(actor.principal, 'connector:allow-private-networks', accountScopeOf(scope));
    return this.dataSource.transaction(async (manager) => {
      // An UPDATE through query() answers [rows, rowCount].
      const [rows]: [Array<{ id: string }>, number] = await manager.query(
        `UPDATE connectors SET name = $3, description = $4, tags = $5, spec = $6, secret_refs = $7,
                delegate_selectors = $8, connectivity = $9, updated_by = $10, errors = $11, error_summary = $12,
                allow_private_networks = allow_private_networks AND $13, updated_at = now(), version = version + 1
          WHERE id = $1 AND version = $2
          RETURNING id`,
        [
          current.id,
          input.version,
          prepared.name,
          prepared.description,
          JSON.stringify(prepared.tags),
          JSON.stringify(prepared.spec),
          JSON.stringify(prepared.secretRefs),
          JSON.stringify(prepared.delegateSelectors),
          prepared.connectivity,
          actor.principal.name,
          JSON.stringify(prepared.errors),
          prepared.errorSummary,
          keepsNetworkAccess,
        ],
      );
      if (rows.length !== 1) {
        const latest = await manager.findOneBy(ConnectorEntity, { id: current.id });
        throw ApiError.conflict(
          'STALE_VERSION',
          `connector '${current.identifier}' has changed since version ${input.version}; read it again and re-apply your change`,
          { currentVersion: latest?.version ?? null },
        );
      }
      const updated = await manager.findOneByOrFail(ConnectorEntity, { id: current.id });
      await this.audit.record(manager, actor, {
        action,
        resourceType: 'connector',
        resourceId: current.id,
        resourceRef: current.identifier,
        scope,
        changes: diffFields(auditable(current), auditable(updated)),
      });
      return updated;
    });
  }

  /** Refuses while a pipeline or an alert rule references the connector, unless forced; the refusal lists who uses it. */
  async delete(actor: Actor, scope: Scope, entity: ConnectorEntity, force: boolean): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const pipelines = await this.pipelinesUsing(manager, scope, entity.identifier);
      const rules = await this.alertRulesUsing(manager, scope, entity.identifier);
      const users = [...pipelines, ...rules];
      if (users.length && !force) {
        const who = [pipelines.length ? `${pipelines.length} pipeline reference(s)` : '', rules.length ? `${rules.length} alert rule reference(s)` : ''].filter(Boolean).join(' and ');
        throw ApiError.conflict('CONNECTOR_IN_USE', `connector '${entity.identifier}' is referenced by ${who}; remove them or delete with force=true`, users);
      }
      await manager.delete(ConnectorEntity, { id: entity.id });
      await this.audit.record(manager, actor, {
        action: 'connector.delete',
        resourceType: 'connector',
        resourceId: entity.id,
        resourceRef: entity.identifier,
        scope,
        changes: [{ path: '(connector)', before: auditable(entity) }, ...(users.length ? [{ path: '(forced)', after: users.length }] : [])],
      });
    });
  }

  /** The page of connectors visible from a scope, newest first, with the filters of the list API. */
  async list(from: Scope, query: ConnectorListQuery): Promise<{ items: Array<{ entity: ConnectorEntity; scope: Scope }>; nextCursor: string | null }> {
    const scopes = query.includeParentScopes ? scopeChain(from) : [from];
    const q = this.connectors.createQueryBuilder('c').where('c.account_id = :accountId', { accountId: from.accountId });
    q.andWhere(
      new Brackets((any) => {
        scopes.forEach((s, i) => {
          const org = s.organizationId ? `c.organization_id = :org${i}` : 'c.organization_id IS NULL';
          const project = s.projectId ? `c.project_id = :project${i}` : 'c.project_id IS NULL';
          any.orWhere(`(${org} AND ${project})`, { [`org${i}`]: s.organizationId, [`project${i}`]: s.projectId });
        });
      }),
    );
    if (query.type) q.andWhere('lower(c.type) = lower(:type)', { type: query.type });
    if (query.category) q.andWhere('c.category = :category', { category: query.category });
    if (query.status) q.andWhere('c.status = :status', { status: query.status });
    for (const [i, tag] of (query.tag ?? []).entries()) {
      const [key, ...rest] = tag.split(':');
      q.andWhere(`c.tags @> :tag${i}::jsonb`, { [`tag${i}`]: JSON.stringify({ [key as string]: rest.join(':') }) });
    }
    if (query.search) {
      const like = `%${query.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      q.andWhere('(c.name ILIKE :like OR c.identifier ILIKE :like OR c.description ILIKE :like)', { like });
    }
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      q.andWhere('(c.created_at, c.id) < (:at, :id)', { at: cursor.at, id: cursor.id });
    }
    const rows = await q.orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC').limit(query.limit + 1).getMany();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((entity) => ({ entity, scope: scopes.find((s) => s.organizationId === entity.organizationId && s.projectId === entity.projectId) as Scope })),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    };
  }

  private prepare(scope: Scope, input: ConnectorInput): PreparedConnector {
    const definition = getConnectorType(input.type);
    if (!definition) {
      invalid([{ path: 'type', message: `type: '${input.type}' is not a supported connector type; supported: ${SUPPORTED_TYPES.join(', ')}` }]);
    }
    const type = definition as NonNullable<typeof definition>;
    const validation = validateConnectorSpec(type.type, input.spec);
    if (!validation.ok) invalid(validation.issues);
    const spec = (validation as { ok: true; spec: Record<string, unknown> }).spec;
    const secretRefs = [...collectSecretRefs(type, spec), ...this.expressionRefs(spec)];
    this.checkSecretRefScopes(scope, secretRefs);
    const { delegateSelectors, executeOnDelegate } = connectivityOf(spec);
    return {
      identifier: input.identifier,
      name: input.name,
      description: input.description,
      tags: input.tags,
      type: type.type,
      category: type.category,
      spec,
      secretRefs,
      delegateSelectors: normalizeSelectors(delegateSelectors),
      connectivity: executeOnDelegate ? 'delegate' : 'platform',
      status: 'UNCONFIGURED',
      errorSummary: null,
      errors: [],
    };
  }

  private prepareImported(scope: Scope, imported: ImportedConnector): PreparedConnector {
    const definition = getConnectorType(imported.type) as NonNullable<ReturnType<typeof getConnectorType>>;
    const secretRefs = [...imported.secretRefs, ...this.expressionRefs(imported.spec)];
    this.checkSecretRefScopes(scope, secretRefs);
    const errors: ConnectorErrorEntry[] = imported.placeholders.map((p) => ({
      code: 'PLACEHOLDER',
      message: `${p.path}: '${p.value}' is a documentation placeholder`,
      hint: 'replace it with a real value, then test the connector',
    }));
    return {
      identifier: imported.identifier,
      name: imported.name,
      description: imported.description,
      tags: imported.tags,
      type: definition.type,
      category: definition.category,
      spec: imported.spec,
      secretRefs,
      delegateSelectors: normalizeSelectors(imported.delegateSelectors),
      connectivity: imported.executeOnDelegate ? 'delegate' : 'platform',
      status: 'UNCONFIGURED',
      errorSummary: null,
      errors,
    };
  }

  /**
   * Missing secrets do not stop a connector from being saved; its errors say which references are missing.
   * A platform-mode connector naming a secret the control plane may not open is refused, naming the field.
   */
  private async withSecretCheck(scope: Scope, prepared: PreparedConnector): Promise<PreparedConnector> {
    if (prepared.connectivity === 'platform') {
      const issues = await this.platformSecrets.problems(scope, prepared.secretRefs);
      if (issues.length) invalid(issues);
    }
    return { ...prepared, ...withMissingSecrets(prepared.errors, await this.secrets.missing(scope, prepared.secretRefs)) };
  }

  /** `<+secrets.getValue("x")>` in plain fields: references too, resolved and masked like the *Ref fields. */
  private expressionRefs(spec: Record<string, unknown>): Array<{ path: string; ref: string; expression: true }> {
    const { uses, issues } = specExpressions(spec);
    if (issues.length) invalid(issues);
    return uses.map((use) => ({ ...use, expression: true as const }));
  }

  /** A connector may use secrets of its own scope or above: `org.x` means nothing on an account connector. */
  private checkSecretRefScopes(scope: Scope, refs: Array<{ path: string; ref: string }>): void {
    const issues: FieldIssue[] = [];
    for (const { path, ref } of refs) {
      if (ref.startsWith('org.') && scope.level === 'account') {
        issues.push({ path, message: `${path}: '${ref}' cannot be resolved from ${describeScope(scope)}: an account has no organization above it` });
      }
    }
    if (issues.length) invalid(issues);
  }

  private async insert(actor: Actor, scope: Scope, prepared: PreparedConnector, action: string): Promise<ConnectorEntity> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const entity = await manager.save(
          manager.create(ConnectorEntity, {
            ...prepared,
            accountId: scope.accountId,
            organizationId: scope.organizationId,
            projectId: scope.projectId,
            createdBy: actor.principal.name,
            updatedBy: actor.principal.name,
            createdAt: new Date(),
            updatedAt: new Date(),
            version: 1,
          }),
        );
        await this.audit.record(manager, actor, {
          action,
          resourceType: 'connector',
          resourceId: entity.id,
          resourceRef: entity.identifier,
          scope,
          changes: diffFields(undefined, auditable(entity)),
        });
        return entity;
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw ApiError.conflict('ALREADY_EXISTS', `connector '${prepared.identifier}' already exists in ${describeScope(scope)}`);
      }
      throw error;
    }
  }

  /** Pipeline references to the connector: pipeline identifier, YAML path and the reference as written. */
  usage(scope: Scope, identifier: string) {
    return this.pipelinesUsing(this.dataSource.manager, scope, identifier);
  }

  /**
   * Alert rules that name the connector — to notify, or among the connectors a status rule watches — by a
   * reference that resolves to it from the rule's scope: bare in the same scope, `org.x` from the organization
   * or its projects, `account.x` from anywhere in the account.
   */
  private async alertRulesUsing(manager: EntityManager, scope: Scope, identifier: string) {
    const rows: Array<{ alertRule: string; path: string; ref: string }> = await manager.query(
      `SELECT r.identifier AS "alertRule", e.path, e.ref
         FROM alert_rules r
         CROSS JOIN LATERAL (
           SELECT 'notify[' || (n - 1) || ']' AS path, ref FROM jsonb_array_elements_text(r.notify) WITH ORDINALITY AS x(ref, n)
           UNION ALL
           SELECT 'condition.connectors[' || (n - 1) || ']', ref
             FROM jsonb_array_elements_text(COALESCE(r.condition->'connectors', '[]'::jsonb)) WITH ORDINALITY AS x(ref, n)
         ) e
        WHERE r.account_id = $1
          AND ((e.ref = $4 AND r.organization_id IS NOT DISTINCT FROM $2 AND r.project_id IS NOT DISTINCT FROM $3)
            OR ($5 = 'account' AND e.ref = 'account.' || $4)
            OR ($5 = 'org' AND e.ref = 'org.' || $4 AND r.organization_id = $2))
        ORDER BY r.identifier, e.path`,
      [scope.accountId, scope.organizationId, scope.projectId, identifier, scope.level],
    );
    return rows;
  }

  private async pipelinesUsing(manager: EntityManager, scope: Scope, identifier: string) {
    const rows: Array<{ pipeline: string; path: string; ref: string }> = await manager.query(
      `SELECT p.identifier AS pipeline, r.path, r.ref
         FROM pipeline_connector_refs r JOIN pipelines p ON p.id = r.pipeline_id
        WHERE r.account_id = $1 AND r.organization_id IS NOT DISTINCT FROM $2 AND r.project_id IS NOT DISTINCT FROM $3
          AND r.identifier = $4
        ORDER BY p.identifier, r.path`,
      [scope.accountId, scope.organizationId, scope.projectId, identifier],
    );
    return rows;
  }
}

function encodeCursor(entity: ConnectorEntity): string {
  return Buffer.from(JSON.stringify({ at: entity.createdAt.toISOString(), id: entity.id })).toString('base64url');
}

function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { at?: unknown; id?: unknown };
    if (typeof value.at === 'string' && !Number.isNaN(Date.parse(value.at)) && typeof value.id === 'string' && /^[0-9a-f-]{36}$/.test(value.id)) {
      return { at: value.at, id: value.id };
    }
  } catch {
    // fall through to the 400
  }
  throw ApiError.badRequest('cursor: not a cursor from this API; use nextCursor of the previous page', [{ path: 'cursor', message: 'cursor: invalid' }]);
}
