import { Injectable } from '@nestjs/common';
import { secretSealingContext } from '@conduit/crypto';
import type { TaskSecret } from '@conduit/protocol';
import { DataSource } from 'typeorm';
import { describeScope, Scope } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import type { RawTask } from './task-dispatcher';

type ManagerSecret = NonNullable<TaskSecret['manager']>['secrets'][number];

interface VersionRow {
  kind: TaskSecret['kind'];
  version: number;
  sealed: Record<string, unknown> | null;
  reference: TaskSecret['reference'] | null;
}

/**
 * The secrets a task names, as the delegate receives them: each secret's current version, still sealed
 * (only the delegate's group key opens it), or its external reference together with the manager connector
 * that resolves it on the delegate (type, spec, and the manager's own secrets, sealed). Read when the task
 * is offered, so a rotated secret — or a changed manager connector — is picked up by the next operation.
 */
@Injectable()
export class TaskSecrets {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scopes: ScopesService,
  ) {}

  async forTask(task: RawTask): Promise<TaskSecret[]> {
    if (!task.secret_refs.length) return [];
    const from = await this.scopes.fromIds(task.account_id, task.organization_id, task.project_id);
    const secrets: TaskSecret[] = [];
    for (const ref of task.secret_refs) {
      const { scope, identifier } = this.scopes.targetOf(from, ref);
      const row = await this.currentVersion(scope, identifier);
      if (!row) throw new Error(`secret '${ref}' not found in ${describeScope(scope)}`);
      const context = secretSealingContext({ account: scope.accountIdentifier, org: scope.orgIdentifier, project: scope.projectIdentifier, identifier }, row.version);
      secrets.push({
        ref,
        secretId: context.secretId,
        version: row.version,
        kind: row.kind,
        ...(row.sealed ? { sealed: row.sealed } : {}),
        ...(row.reference ? { reference: row.reference, manager: await this.manager(ref, scope, row.reference.manager) } : {}),
      });
    }
    return secrets;
  }

  private async currentVersion(scope: Scope, identifier: string): Promise<VersionRow | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT s.kind, v.version, v.sealed, v.reference FROM secrets s JOIN secret_versions v ON v.secret_id = s.id AND v.version = s.current_version
        WHERE s.account_id = $1 AND s.organization_id IS NOT DISTINCT FROM $2 AND s.project_id IS NOT DISTINCT FROM $3 AND s.identifier = $4`,
      [scope.accountId, scope.organizationId, scope.projectId, identifier],
    )) as VersionRow[];
    return row;
  }

  /**
   * The manager connector of a reference, seen from the secret's scope, with the current sealed versions of
   * the secrets its spec refers to (keyed by the reference as the spec writes it, which is how the delegate
   * looks them up). Credentials inherited from the delegate (AssumeIAMRole, assumeCredentialsOnDelegate,
   * Vault Agent) are not secrets of the connector, so nothing is sent for them.
   */
  private async manager(ref: string, secretScope: Scope, managerRef: string): Promise<NonNullable<TaskSecret['manager']>> {
    const target = this.scopes.targetOf(secretScope, managerRef);
    const [connector] = (await this.dataSource.query(
      `SELECT type, category, spec, secret_refs, organization_id, project_id FROM connectors
        WHERE account_id = $1 AND organization_id IS NOT DISTINCT FROM $2 AND project_id IS NOT DISTINCT FROM $3 AND identifier = $4`,
      [target.scope.accountId, target.scope.organizationId, target.scope.projectId, target.identifier],
    )) as Array<{ type: string; category: string; spec: Record<string, unknown>; secret_refs: Array<{ path: string; ref: string }> }>;
    if (!connector) throw new Error(`secret '${ref}': its manager connector '${managerRef}' was not found in ${describeScope(target.scope)}`);
    if (connector.category !== 'SecretManager') throw new Error(`secret '${ref}': connector '${managerRef}' is not a secret manager`);
    const secrets: ManagerSecret[] = [];
    for (const { path, ref: ownRef } of connector.secret_refs) {
      if (secrets.some((s) => s.ref === ownRef)) continue;
      const own = this.scopes.targetOf(target.scope, ownRef);
      const row = await this.currentVersion(own.scope, own.identifier);
      if (!row) throw new Error(`secret '${ref}': ${path} of manager '${managerRef}' names secret '${ownRef}', which is not found in ${describeScope(own.scope)}`);
      if (row.kind === 'reference' || !row.sealed) {
        throw new Error(`secret '${ref}': ${path} of manager '${managerRef}' is itself a reference to an external manager; a manager's credentials must be stored in the built-in secret manager (no chains)`);
      }
      const context = secretSealingContext({ account: own.scope.accountIdentifier, org: own.scope.orgIdentifier, project: own.scope.projectIdentifier, identifier: own.identifier }, row.version);
      secrets.push({ ref: ownRef, secretId: context.secretId, version: row.version, kind: row.kind, sealed: row.sealed });
    }
    return { type: connector.type, spec: connector.spec, secrets };
  }
}
