import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { Actor } from '../auth/actor';
import type { Scope } from '../scopes/scope';
import { AuditEventEntity, FieldChange } from './audit.entity';

export interface AuditRecord {
  action: string;
  resourceType: string;
  resourceId: string | null;
  resourceRef: string;
  scope: Scope;
  changes?: FieldChange[];
  outcome?: 'success' | 'failure';
}

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>) {}

  /** Records inside the caller's transaction, so an audited change and its record commit together. */
  async record(manager: EntityManager, actor: Actor, record: AuditRecord): Promise<void> {
    await manager.query(
      `INSERT INTO audit_events (account_id, organization_id, project_id, actor_id, actor_name, action, resource_type,
                                 resource_id, resource_ref, changes, outcome, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        record.scope.accountId,
        record.scope.organizationId,
        record.scope.projectId,
        actor.principal.id || null, // Conduit's own actions have no principal
        actor.principal.name,
        record.action,
        record.resourceType,
        record.resourceId,
        record.resourceRef,
        JSON.stringify(record.changes ?? []),
        record.outcome ?? 'success',
        actor.requestId || null,
      ],
    );
  }

  /** Newest first, keyset-paginated by id. */
  async list(
    accountId: string,
    filter: { resourceType?: string | undefined; resourceId?: string | undefined; action?: string | undefined; before?: string | undefined; limit: number },
  ): Promise<AuditEventEntity[]> {
    const query = this.events
      .createQueryBuilder('e')
      .where('e.account_id = :accountId', { accountId })
      .orderBy('e.id', 'DESC')
      .limit(filter.limit);
    if (filter.resourceType) query.andWhere('e.resource_type = :type', { type: filter.resourceType });
    if (filter.resourceId) query.andWhere('e.resource_id = :rid', { rid: filter.resourceId });
    if (filter.action) query.andWhere('e.action = :action', { action: filter.action });
    if (filter.before) query.andWhere('e.id < :before', { before: filter.before });
    return query.getMany();
  }
}
