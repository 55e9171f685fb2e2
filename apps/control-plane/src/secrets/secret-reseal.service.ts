import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { parseSealedSecret, RecipientEntry, SealedSecret, secretSealingContext } from '@conduit/crypto';
import { TaskKind } from '@conduit/protocol';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { ApiError } from '../common/api-error';
import { DelegateGroupsService } from '../delegates/delegate-groups.service';
import type { Scope } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import type { TaskEntity } from '../tasks/task.entity';
import { TaskEvents } from '../tasks/task-events';
import { TasksService } from '../tasks/tasks.service';
import { SecretsService } from './secrets.service';

/** What a `secret.reseal` task carries; `secretRecordId` and `requiredGroups` are for the control plane. */
export interface SecretResealTaskPayload {
  secretRecordId: string;
  secretId: string;
  version: number;
  targetGroups: Array<{ groupId: string; publicKey: string; keyId: string }>;
  requiredGroups: string[];
}

export interface ResealOutcome {
  taskId: string | null;
  status: TaskEntity['status'] | 'unchanged';
  version: number;
  added: string[];
  message: string;
}

/**
 * Re-seals a secret for more delegate groups without anyone typing its value again: the control plane
 * cannot open delegate-only secrets, so a delegate of a group that already holds a recipient does it as a
 * `secret.reseal` task (routed by group) and answers with the envelope plus the new recipients. The control
 * plane checks that the ciphertext is the one it stored and takes only the entries for the groups it asked for.
 */
@Injectable()
export class SecretResealService implements OnModuleInit {
  // Resolved lazily: the tasks module imports the secrets module, so this one cannot import it back.
  private tasksService?: TasksService;

  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: SecretsService,
    private readonly groups: DelegateGroupsService,
    private readonly audit: AuditService,
    private readonly scopes: ScopesService,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    // A result may land on this replica after the request that asked for it stopped waiting (or on another).
    const events = this.moduleRef.get(TaskEvents, { strict: false });
    events.on('finished', (taskId, { kind }) => {
      if (kind === TaskKind.SecretReseal) void this.applyFinished(taskId).catch(() => undefined);
    });
  }

  private get tasks(): TasksService {
    this.tasksService ??= this.moduleRef.get(TasksService, { strict: false });
    return this.tasksService;
  }

  async reseal(actor: Actor, from: Scope, ref: string, groupNames: string[], waitMs: number): Promise<ResealOutcome> {
    const { secret, scope } = await this.secrets.get(from, ref);
    if (secret.kind === 'reference') throw ApiError.badRequest(`secret '${ref}' is a reference to an external manager: there is no envelope to re-seal`);
    const [stored] = (await this.dataSource.query(`SELECT sealed FROM secret_versions WHERE secret_id = $1 AND version = $2`, [secret.id, secret.currentVersion])) as Array<{ sealed: unknown }>;
    const sealed = parseSealedSecret(stored?.sealed);
    const known = new Map((await this.groups.listForAccount(scope.accountId)).map((g) => [g.name, g]));
    const targets = groupNames.map((name, i) => {
      const group = known.get(name);
      if (!group) throw ApiError.badRequest(`groups[${i}]: delegate group '${name}' not found (a group appears once one of its delegates connects with a key)`, [{ path: `groups[${i}]`, message: `delegate group '${name}' not found` }]);
      return group;
    });
    const holdsCurrentKey = (entry: RecipientEntry) => entry.kind === 'group' && known.get(entry.groupId)?.keyId === entry.keyId;
    const holders = sealed.recipients.filter(holdsCurrentKey).map((entry) => (entry as { groupId: string }).groupId);
    const missing = targets.filter((t) => !holders.includes(t.name));
    if (missing.length === 0) {
      return { taskId: null, status: 'unchanged', version: secret.currentVersion, added: [], message: `secret '${ref}' version ${secret.currentVersion} is already sealed for ${groupNames.join(', ')}` };
    }
    if (holders.length === 0) {
      throw ApiError.conflict('NO_GROUP_CAN_OPEN', `no delegate group holds secret '${ref}' version ${secret.currentVersion} under its current key, so no delegate can re-seal it: store the value again`);
    }
    const payload: SecretResealTaskPayload = {
      secretRecordId: secret.id,
      secretId: secretSealingContext({ account: scope.accountIdentifier, org: scope.orgIdentifier, project: scope.projectIdentifier, identifier: secret.identifier }, secret.currentVersion).secretId,
      version: secret.currentVersion,
      targetGroups: missing.map((g) => ({ groupId: g.name, publicKey: g.publicKey, keyId: g.keyId })),
      requiredGroups: holders,
    };
    const task = await this.tasks.create(actor.principal.name, scope, {
      kind: TaskKind.SecretReseal,
      payload: payload as unknown as Record<string, unknown>,
      selectors: [],
      secrets: [secret.identifier],
      queueTimeoutMs: 120_000,
    });
    // The request is what authorizes applying the task's result (see applyFinished), so it is recorded first.
    await this.audit.record(this.dataSource.manager, actor, {
      action: 'secret.reseal.request',
      resourceType: 'secret',
      resourceId: secret.id,
      resourceRef: secret.identifier,
      scope,
      changes: [
        { path: 'task', after: task.id },
        { path: 'groups', after: payload.targetGroups.map((g) => g.groupId) },
      ],
    });
    const done = waitMs > 0 ? await this.tasks.waitFor(scope.accountId, task.id, waitMs) : task;
    const added = payload.targetGroups.map((g) => g.groupId);
    if (done.status === 'succeeded') {
      await this.apply(done, actor);
      return { taskId: task.id, status: done.status, version: payload.version, added, message: `secret '${ref}' version ${payload.version} re-sealed for ${added.join(', ')} by delegate ${done.delegateName ?? '?'}` };
    }
    const why = done.error ? `: ${done.error.message}` : '';
    return { taskId: task.id, status: done.status, version: payload.version, added: [], message: `re-seal task ${task.id} is ${done.status}${why}` };
  }

  private async applyFinished(taskId: string): Promise<void> {
    const [row] = (await this.dataSource.query(`SELECT id, kind, status, payload, output, delegate_name FROM tasks WHERE id = $1`, [taskId])) as Array<{
      id: string;
      kind: string;
      status: string;
      payload: Record<string, unknown>;
      output: Record<string, unknown> | null;
      delegate_name: string | null;
    }>;
    if (row?.kind !== TaskKind.SecretReseal || row.status !== 'succeeded') return;
    // Only tasks this service created: a `secret.reseal` task posted directly to /v1/tasks is not applied.
    const secretRecordId = (row.payload as Partial<SecretResealTaskPayload>).secretRecordId;
    const requested = (await this.dataSource.query(
      `SELECT 1 FROM audit_events WHERE action = 'secret.reseal.request' AND resource_id = $1::uuid AND changes @> $2::jsonb LIMIT 1`,
      [secretRecordId, JSON.stringify([{ path: 'task', after: row.id }])],
    )) as unknown[];
    if (!requested.length) return;
    await this.apply({ id: row.id, payload: row.payload, output: row.output, delegateName: row.delegate_name }, null);
  }

  /**
   * Merges the new group entries of a finished task into the stored envelope (idempotent: applying twice
   * changes nothing). The ciphertext must be the stored one; only entries for the requested groups under
   * their current keys are taken, so a delegate cannot add or drop anyone else.
   */
  private async apply(task: Pick<TaskEntity, 'id' | 'payload' | 'output' | 'delegateName'>, actor: Actor | null): Promise<void> {
    const payload = task.payload as unknown as SecretResealTaskPayload;
    const returned = parseSealedSecret(task.output?.['sealed']);
    await this.dataSource.transaction(async (manager) => {
      const [row] = (await manager.query(`SELECT sealed FROM secret_versions WHERE secret_id = $1 AND version = $2 FOR UPDATE`, [payload.secretRecordId, payload.version])) as Array<{ sealed: unknown }>;
      if (!row) return; // deleted meanwhile
      const current = parseSealedSecret(row.sealed);
      if (current.ciphertext !== returned.ciphertext || current.iv !== returned.iv || current.tag !== returned.tag) {
        throw new Error(`re-seal task ${task.id}: the envelope returned is not the one stored for version ${payload.version}`);
      }
      const wanted = new Map(payload.targetGroups.map((g) => [g.groupId, g.keyId]));
      const added = returned.recipients.filter((entry) => entry.kind === 'group' && wanted.get(entry.groupId) === entry.keyId);
      const addedGroups = new Set(added.map((entry) => (entry as { groupId: string }).groupId));
      const merged: SealedSecret = { ...current, recipients: [...current.recipients.filter((entry) => !(entry.kind === 'group' && addedGroups.has(entry.groupId))), ...added] };
      if (JSON.stringify(merged) === JSON.stringify(current)) return;
      await manager.query(`UPDATE secret_versions SET sealed = $3::jsonb WHERE secret_id = $1 AND version = $2`, [payload.secretRecordId, payload.version, JSON.stringify(merged)]);
      if (actor) {
        const [secret] = (await manager.query(`SELECT identifier, account_id, organization_id, project_id FROM secrets WHERE id = $1`, [payload.secretRecordId])) as Array<{ identifier: string; account_id: string; organization_id: string | null; project_id: string | null }>;
        if (secret) {
          const scope = await this.scopes.fromIds(secret.account_id, secret.organization_id, secret.project_id);
          await this.audit.record(manager, actor, {
            action: 'secret.reseal',
            resourceType: 'secret',
            resourceId: payload.secretRecordId,
            resourceRef: secret.identifier,
            scope,
            changes: [{ path: `versions[${payload.version}].recipients`, after: [...addedGroups] }],
          });
        }
      }
    });
  }
}
