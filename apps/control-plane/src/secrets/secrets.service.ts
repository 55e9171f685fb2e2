import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  encodeSecretPayload,
  parseSealedSecret,
  Recipient,
  SealedSecret,
  sealSecret,
  SecretPayload,
  secretSealingContext,
} from '@conduit/crypto';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { ApiError } from '../common/api-error';
import { isUniqueViolation } from '../common/db-errors';
import { MissingSecret, withMissingSecrets } from '../connectors/connector-errors';
import type { ConnectorErrorEntry } from '../connectors/connector.entity';
import { DelegateGroupsService } from '../delegates/delegate-groups.service';
import { describeScope, refFrom, Scope } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import { MasterKeyring } from './master-keyring';
import { SecretInput, SecretValueUpdate } from './secret.dto';
import { ExternalSecretReference, SecretEntity, SecretKind, SecretVersionEntity } from './secret.entities';

export interface SecretUse {
  connector: string;
  scope: ReturnType<typeof describeScope>;
  path: string;
}

type ValueSource = Pick<SecretInput, 'value' | 'sealed' | 'reference'>;

/** The field of a plain value each kind expects, so a wrong shape is named precisely. */
const VALUE_FIELDS: Record<Exclude<SecretKind, 'reference'>, string[]> = {
  text: ['value'],
  file: ['base64', 'fileName'],
  'ssh-key': ['privateKey', 'passphrase'],
  certificate: ['certificate', 'privateKey', 'ca'],
};

const bad = (path: string, message: string) => ApiError.badRequest(`${path}: ${message}`, [{ path, message: `${path}: ${message}` }]);

/**
 * The built-in secret manager. It stores envelopes only: each value is sealed on arrival (or by the
 * client) to the delegate groups' public keys and — only when the secret allows platform use — to the
 * master key. Values are never returned, logged or kept anywhere but inside an envelope.
 */
@Injectable()
export class SecretsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scopes: ScopesService,
    private readonly audit: AuditService,
    private readonly groups: DelegateGroupsService,
    private readonly masterKeys: MasterKeyring,
    @InjectRepository(SecretEntity) private readonly secrets: Repository<SecretEntity>,
    @InjectRepository(SecretVersionEntity) private readonly versions: Repository<SecretVersionEntity>,
  ) {}

  async create(actor: Actor, scope: Scope, input: SecretInput): Promise<SecretEntity> {
    const version = await this.versionFor(scope, input.identifier, input.kind, input.allowPlatformUse, input, 1);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const secret = await manager.save(
          manager.create(SecretEntity, {
            accountId: scope.accountId,
            organizationId: scope.organizationId,
            projectId: scope.projectId,
            identifier: input.identifier,
            name: input.name,
            description: input.description,
            tags: input.tags,
            kind: input.kind,
            allowPlatformUse: input.allowPlatformUse,
            currentVersion: 1,
            createdAt: new Date(),
            updatedAt: new Date(),
            createdBy: actor.principal.name,
            updatedBy: actor.principal.name,
          }),
        );
        await manager.save(manager.create(SecretVersionEntity, { ...version, secretId: secret.id, version: 1, createdAt: new Date(), createdBy: actor.principal.name }));
        await this.audit.record(manager, actor, {
          action: 'secret.create',
          resourceType: 'secret',
          resourceId: secret.id,
          resourceRef: secret.identifier,
          scope,
          changes: [{ path: 'kind', after: secret.kind }, { path: 'version', after: 1 }, { path: 'sealedBy', after: version.sealedBy }],
        });
        await this.refreshConnectors(manager, scope.accountId);
        return secret;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw ApiError.conflict('ALREADY_EXISTS', `secret '${input.identifier}' already exists in ${describeScope(scope)}`);
      throw error;
    }
  }

  /** A new version; the next operation that uses the secret gets it, with no change to any connector. */
  async rotate(actor: Actor, scope: Scope, secret: SecretEntity, update: SecretValueUpdate): Promise<SecretEntity> {
    if (update.version !== secret.currentVersion + 1) {
      throw ApiError.conflict('STALE_VERSION', `secret '${secret.identifier}' is at version ${secret.currentVersion}; the new version must be ${secret.currentVersion + 1}`, {
        currentVersion: secret.currentVersion,
      });
    }
    const version = await this.versionFor(scope, secret.identifier, secret.kind, secret.allowPlatformUse, update, update.version);
    return this.dataSource.transaction(async (manager) => {
      const [rows]: [unknown[], number] = await manager.query(
        `UPDATE secrets SET current_version = $2, updated_at = now(), updated_by = $3 WHERE id = $1 AND current_version = $4 RETURNING id`,
        [secret.id, update.version, actor.principal.name, secret.currentVersion],
      );
      if (rows.length !== 1) throw ApiError.conflict('STALE_VERSION', `secret '${secret.identifier}' changed meanwhile; read it again`);
      await manager.save(manager.create(SecretVersionEntity, { ...version, secretId: secret.id, version: update.version, createdAt: new Date(), createdBy: actor.principal.name }));
      await this.audit.record(manager, actor, {
        action: 'secret.rotate',
        resourceType: 'secret',
        resourceId: secret.id,
        resourceRef: secret.identifier,
        scope,
        changes: [{ path: 'version', before: secret.currentVersion, after: update.version }, { path: 'sealedBy', after: version.sealedBy }],
      });
      return manager.findOneByOrFail(SecretEntity, { id: secret.id });
    });
  }

  async get(from: Scope, ref: string): Promise<{ secret: SecretEntity; scope: Scope }> {
    const { scope, identifier } = this.scopes.targetOf(from, ref);
    const secret = await this.secrets.findOneBy({ ...this.scopeWhere(scope), identifier });
    if (!secret) throw ApiError.notFound(`secret '${ref}' not found in ${describeScope(scope)}`);
    return { secret, scope };
  }

  async list(scopes: Scope[]): Promise<Array<{ secret: SecretEntity; scope: Scope }>> {
    const found: Array<{ secret: SecretEntity; scope: Scope }> = [];
    for (const scope of scopes) {
      const rows = await this.secrets.find({ where: this.scopeWhere(scope), order: { identifier: 'ASC' } });
      found.push(...rows.map((secret) => ({ secret, scope })));
    }
    return found;
  }

  versionsOf(secretId: string): Promise<SecretVersionEntity[]> {
    return this.versions.find({ where: { secretId }, order: { version: 'DESC' } });
  }

  /** Connectors whose secret references resolve to this secret. */
  async usedBy(secret: SecretEntity, scope: Scope, manager: EntityManager = this.dataSource.manager): Promise<SecretUse[]> {
    const candidates: Array<{ identifier: string; organization_id: string | null; project_id: string | null; secret_refs: Array<{ path: string; ref: string }> }> =
      await manager.query(
        `SELECT identifier, organization_id, project_id, secret_refs FROM connectors
          WHERE account_id = $1 AND secret_refs::text LIKE '%' || $2 || '%'`,
        [secret.accountId, secret.identifier],
      );
    const uses: SecretUse[] = [];
    for (const c of candidates) {
      const connectorScope = await this.scopes.fromIds(secret.accountId, c.organization_id, c.project_id);
      for (const { path, ref } of c.secret_refs) {
        const target = this.scopes.targetOf(connectorScope, ref);
        if (target.identifier === secret.identifier && target.scope.organizationId === scope.organizationId && target.scope.projectId === scope.projectId) {
          uses.push({ connector: refFrom(connectorScope, connectorScope, c.identifier), scope: describeScope(connectorScope), path });
        }
      }
    }
    return uses;
  }

  async delete(actor: Actor, scope: Scope, secret: SecretEntity, force: boolean): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const uses = await this.usedBy(secret, scope, manager);
      if (uses.length && !force) {
        throw ApiError.conflict('SECRET_IN_USE', `secret '${secret.identifier}' is used by ${uses.length} connector field(s); delete with force=true to break them`, uses);
      }
      await manager.delete(SecretEntity, { id: secret.id });
      await this.audit.record(manager, actor, { action: 'secret.delete', resourceType: 'secret', resourceId: secret.id, resourceRef: secret.identifier, scope });
      await this.refreshConnectors(manager, scope.accountId);
    });
  }

  /** The references among `refs` (read from a connector at `scope`) that name no existing secret. */
  async missing(scope: Scope, refs: Array<{ path: string; ref: string }>, manager: EntityManager = this.dataSource.manager): Promise<MissingSecret[]> {
    const missing: MissingSecret[] = [];
    for (const { path, ref } of refs) {
      const target = this.scopes.targetOf(scope, ref);
      const exists = await manager.exists(SecretEntity, { where: { ...this.scopeWhere(target.scope), identifier: target.identifier } });
      if (!exists) missing.push({ path, ref, message: `${path}: secret '${ref}' not found in ${describeScope(target.scope)}` });
    }
    return missing;
  }

  /**
   * Re-checks the secret references of the account's connectors after a secret appears or goes: the
   * "secret not found" errors follow, and a connector that was only waiting for its secrets loses them.
   */
  private async refreshConnectors(manager: EntityManager, accountId: string): Promise<void> {
    const rows: Array<{ id: string; organization_id: string | null; project_id: string | null; secret_refs: Array<{ path: string; ref: string }>; errors: ConnectorErrorEntry[] }> =
      await manager.query(`SELECT id, organization_id, project_id, secret_refs, errors FROM connectors WHERE account_id = $1 AND jsonb_array_length(secret_refs) > 0`, [accountId]);
    for (const row of rows) {
      const scope = await this.scopes.fromIds(accountId, row.organization_id, row.project_id);
      const missing = await this.missing(scope, row.secret_refs, manager);
      const { errors, errorSummary } = withMissingSecrets(row.errors, missing);
      await manager.query(`UPDATE connectors SET errors = $2::jsonb, error_summary = $3 WHERE id = $1 AND errors <> $2::jsonb`, [row.id, JSON.stringify(errors), errorSummary]);
    }
  }

  /** Turns a value source into a stored version: seals plain values here, checks client-sealed ones. */
  private async versionFor(
    scope: Scope,
    identifier: string,
    kind: SecretKind,
    allowPlatformUse: boolean,
    source: ValueSource,
    version: number,
  ): Promise<Pick<SecretVersionEntity, 'sealed' | 'reference' | 'sealedBy'>> {
    if (kind === 'reference') {
      if (!source.reference) throw bad('reference', "a secret of kind 'reference' takes reference {manager, path, key?, version?}");
      await this.checkManager(scope, source.reference);
      return { sealed: null, reference: source.reference, sealedBy: 'external' };
    }
    if (source.reference) throw bad('reference', `a secret of kind '${kind}' holds a value; use kind 'reference' for an external manager`);
    const context = secretSealingContext({ account: scope.accountIdentifier, org: scope.orgIdentifier, project: scope.projectIdentifier, identifier }, version);
    const groups = await this.groups.listForAccount(scope.accountId);
    if (source.sealed) {
      if (allowPlatformUse) throw bad('sealed', 'a secret that platform-run operations may use must be sealed by the control plane (send value instead)');
      const sealed = parseSealedSecret(source.sealed);
      const known = new Map(groups.map((g) => [g.name, g.keyId]));
      sealed.recipients.forEach((r, i) => {
        if (r.kind !== 'group') throw bad(`sealed.recipients[${i}]`, 'clients seal to delegate groups only');
        if (known.get(r.groupId) !== r.keyId) throw bad(`sealed.recipients[${i}]`, `not sealed to the current key of delegate group '${r.groupId}' (GET /v1/delegate-groups)`);
      });
      return { sealed: sealed as unknown as Record<string, unknown>, reference: null, sealedBy: 'client' };
    }
    const value = source.value as NonNullable<ValueSource['value']>;
    const expected = VALUE_FIELDS[kind];
    const unexpected = Object.keys(value).filter((field) => !expected.includes(field));
    if (unexpected.length) throw bad(`value.${unexpected[0]}`, `not a field of a '${kind}' secret (expected ${expected.join(', ')})`);
    const recipients: Recipient[] = groups.map((g) => ({ kind: 'group', groupId: g.name, publicKey: g.publicKey }));
    if (allowPlatformUse) recipients.push(this.masterKeys.current);
    if (!recipients.length) {
      throw ApiError.conflict(
        'NO_RECIPIENTS',
        'no delegate group has registered a key yet, so nobody could open this value: connect a delegate with a key file first, or set allowPlatformUse',
      );
    }
    const payload = { kind, ...value } as SecretPayload;
    const sealed: SealedSecret = sealSecret(encodeSecretPayload(payload), context, recipients);
    return { sealed: sealed as unknown as Record<string, unknown>, reference: null, sealedBy: 'control-plane' };
  }

  /** An external reference must name a secret-manager connector visible from the secret's scope. */
  private async checkManager(scope: Scope, reference: ExternalSecretReference): Promise<void> {
    const target = this.scopes.targetOf(scope, reference.manager);
    const rows: Array<{ category: string }> = await this.dataSource.query(
      `SELECT category FROM connectors WHERE account_id = $1 AND organization_id IS NOT DISTINCT FROM $2 AND project_id IS NOT DISTINCT FROM $3 AND identifier = $4`,
      [target.scope.accountId, target.scope.organizationId, target.scope.projectId, target.identifier],
    );
    if (!rows[0]) throw bad('reference.manager', `connector '${reference.manager}' not found in ${describeScope(target.scope)}`);
    if (rows[0].category !== 'SecretManager') throw bad('reference.manager', `connector '${reference.manager}' is not a secret manager`);
  }

  private scopeWhere(scope: Scope) {
    return { accountId: scope.accountId, organizationId: scope.organizationId ?? IsNull(), projectId: scope.projectId ?? IsNull() };
  }
}
