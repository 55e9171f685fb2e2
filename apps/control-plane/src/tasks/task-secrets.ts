import { Injectable } from '@nestjs/common';
import { secretSealingContext } from '@conduit/crypto';
import type { TaskSecret } from '@conduit/protocol';
import { DataSource } from 'typeorm';
import { describeScope } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import type { RawTask } from './task-dispatcher';

/**
 * The secrets a task names, as the delegate receives them: each secret's current version, still sealed
 * (only the delegate's group key opens it), or its external reference. Read when the task is offered,
 * so a rotated secret is picked up by the next operation without any other change.
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
      const [row] = (await this.dataSource.query(
        `SELECT s.kind, v.version, v.sealed, v.reference FROM secrets s JOIN secret_versions v ON v.secret_id = s.id AND v.version = s.current_version
          WHERE s.account_id = $1 AND s.organization_id IS NOT DISTINCT FROM $2 AND s.project_id IS NOT DISTINCT FROM $3 AND s.identifier = $4`,
        [scope.accountId, scope.organizationId, scope.projectId, identifier],
      )) as Array<{ kind: TaskSecret['kind']; version: number; sealed: Record<string, unknown> | null; reference: TaskSecret['reference'] | null }>;
      if (!row) throw new Error(`secret '${ref}' not found in ${describeScope(scope)}`);
      const context = secretSealingContext({ account: scope.accountIdentifier, org: scope.orgIdentifier, project: scope.projectIdentifier, identifier }, row.version);
      secrets.push({
        ref,
        secretId: context.secretId,
        version: row.version,
        kind: row.kind,
        ...(row.sealed ? { sealed: row.sealed } : {}),
        ...(row.reference ? { reference: row.reference } : {}),
      });
    }
    return secrets;
  }
}
