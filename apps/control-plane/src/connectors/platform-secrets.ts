import { Injectable } from '@nestjs/common';
import { decodeSecretPayload, maskableValues, openSecret, SecretMasker, SecretPayload, secretSealingContext, type SealedSecret } from '@conduit/crypto';
import { DataSource } from 'typeorm';
import { FieldIssue } from '../common/zod-validation.pipe';
import type { Scope } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import { MasterKeyring } from '../secrets/master-keyring';

interface SecretRow {
  kind: string;
  allow_platform_use: boolean;
  version: number;
  sealed: SealedSecret | null;
}

/** Why a platform-run operation cannot take a failure: what happened, where, and at which stage. */
export class PlatformFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly stage: 'validation' | 'resolution',
    readonly hint?: string,
  ) {
    super(message);
  }
}

/**
 * The secrets a platform-mode connector (executeOnDelegate: false) may use: only values stored in Conduit
 * with allowPlatformUse, which are also sealed to the control plane's master key. Values sealed only to
 * delegate groups cannot be opened here, and references to external managers resolve only on a delegate.
 */
@Injectable()
export class PlatformSecrets {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scopes: ScopesService,
    private readonly keyring: MasterKeyring,
  ) {}

  /** Save-time check: one issue per reference the control plane could not use (missing ones are reported elsewhere). */
  async problems(scope: Scope, refs: ReadonlyArray<{ path: string; ref: string }>): Promise<FieldIssue[]> {
    const issues: FieldIssue[] = [];
    for (const { path, ref } of refs) {
      const row = await this.current(scope, ref);
      const why = row && this.unusable(row);
      if (why) issues.push({ path, message: `${path}: secret '${ref}' ${why}` });
    }
    return issues;
  }

  /** Opens each referenced secret with the master keyring and registers its forms with the masker. */
  async open(scope: Scope, refs: readonly string[], masker: SecretMasker): Promise<Map<string, SecretPayload>> {
    const opened = new Map<string, SecretPayload>();
    for (const ref of refs) {
      const row = await this.current(scope, ref);
      if (!row) throw new PlatformFailure('SECRET_NOT_FOUND', `secret '${ref}' not found`, 'resolution');
      const why = this.unusable(row);
      if (why) throw new PlatformFailure('SECRET_NOT_PLATFORM', `secret '${ref}' ${why}`, 'validation', 'create the secret with allowPlatformUse: true, or run the connector through a delegate');
      const recipient = row.sealed?.recipients.find((r) => r.kind === 'master');
      const key = recipient && recipient.kind === 'master' ? this.keyring.byId(recipient.keyId) : undefined;
      if (!row.sealed || !key) {
        throw new PlatformFailure('SECRET_UNAVAILABLE', `secret '${ref}' is not sealed to a master key this control plane holds`, 'resolution', 'check CONDUIT_MASTER_KEYS on every replica');
      }
      const { scope: owner, identifier } = this.scopes.targetOf(scope, ref);
      const context = secretSealingContext({ account: owner.accountIdentifier, org: owner.orgIdentifier, project: owner.projectIdentifier, identifier }, row.version);
      const plaintext = openSecret(row.sealed, context, key);
      try {
        const payload = decodeSecretPayload(plaintext);
        for (const value of maskableValues(payload)) masker.register(value, ref);
        opened.set(ref, payload);
      } finally {
        plaintext.fill(0);
      }
    }
    return opened;
  }

  private unusable(row: SecretRow): string | undefined {
    if (row.kind === 'reference') return 'is a reference into an external secret manager, which only a delegate resolves; a platform-mode connector needs a secret stored in Conduit with allowPlatformUse';
    if (!row.allow_platform_use) return 'is sealed to delegate groups only: a platform-mode connector (executeOnDelegate: false) may only use secrets created with allowPlatformUse: true';
    return undefined;
  }

  private async current(from: Scope, ref: string): Promise<SecretRow | undefined> {
    const { scope, identifier } = this.scopes.targetOf(from, ref);
    const [row] = (await this.dataSource.query(
      `SELECT s.kind, s.allow_platform_use, v.version, v.sealed FROM secrets s JOIN secret_versions v ON v.secret_id = s.id AND v.version = s.current_version
        WHERE s.account_id = $1 AND s.organization_id IS NOT DISTINCT FROM $2 AND s.project_id IS NOT DISTINCT FROM $3 AND s.identifier = $4`,
      [scope.accountId, scope.organizationId, scope.projectId, identifier],
    )) as SecretRow[];
    return row;
  }
}
