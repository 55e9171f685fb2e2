import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { collectConnectorRefs, parsePipelineYaml, Pipeline } from '@conduit/pipeline';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { ApiError } from '../common/api-error';
import { isUniqueViolation } from '../common/db-errors';
import { describeScope, Scope } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import { PipelineEntity } from './pipeline.entity';

interface ResolvedRef {
  path: string;
  ref: string;
  target: Scope;
  identifier: string;
}

/** Pipelines stored per scope, YAML in and YAML out, with their connector references indexed. */
@Injectable()
export class PipelinesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scopes: ScopesService,
    private readonly audit: AuditService,
    @InjectRepository(PipelineEntity) private readonly pipelines: Repository<PipelineEntity>,
  ) {}

  /** Parses and checks a pipeline; every problem is reported at once with its YAML path. */
  parse(scope: Scope, yaml: string): { pipeline: Pipeline; identifier: string; refs: ResolvedRef[] } {
    const parsed = parsePipelineYaml(yaml);
    if (!parsed.ok) {
      const details = parsed.errors.map((e) => ({ path: e.path, message: e.line ? `${e.message} (line ${e.line})` : e.message }));
      throw ApiError.badRequest(details[0]?.message ?? 'invalid pipeline', details);
    }
    const { pipeline } = parsed;
    if (!pipeline.identifier) {
      throw ApiError.badRequest('identifier: a stored pipeline needs an identifier', [{ path: 'identifier', message: 'identifier: required' }]);
    }
    const refs = collectConnectorRefs(pipeline).map((use) => {
      try {
        return { path: use.path, ref: use.ref, ...this.target(scope, use.ref) };
      } catch (error) {
        if (error instanceof ApiError) throw ApiError.badRequest(`${use.path}: ${error.message}`, [{ path: use.path, message: `${use.path}: ${error.message}` }]);
        throw error;
      }
    });
    return { pipeline, identifier: pipeline.identifier, refs };
  }

  async create(actor: Actor, scope: Scope, yaml: string): Promise<PipelineEntity> {
    const { pipeline, identifier, refs } = this.parse(scope, yaml);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const entity = await manager.save(
          manager.create(PipelineEntity, {
            accountId: scope.accountId,
            organizationId: scope.organizationId,
            projectId: scope.projectId,
            identifier,
            name: pipeline.name,
            yaml,
            createdAt: new Date(),
            updatedAt: new Date(),
            createdBy: actor.principal.name,
            updatedBy: actor.principal.name,
            version: 1,
          }),
        );
        await this.saveRefs(manager, entity.id, refs);
        await this.audit.record(manager, actor, { action: 'pipeline.create', resourceType: 'pipeline', resourceId: entity.id, resourceRef: identifier, scope });
        return entity;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw ApiError.conflict('ALREADY_EXISTS', `pipeline '${identifier}' already exists in ${describeScope(scope)}`);
      throw error;
    }
  }

  async update(actor: Actor, scope: Scope, current: PipelineEntity, yaml: string, version: number): Promise<PipelineEntity> {
    const { pipeline, identifier, refs } = this.parse(scope, yaml);
    if (identifier !== current.identifier) {
      throw ApiError.badRequest(`identifier: is immutable (the pipeline is '${current.identifier}')`, [{ path: 'identifier', message: 'identifier: is immutable' }]);
    }
    return this.dataSource.transaction(async (manager) => {
      const [rows]: [Array<{ id: string }>, number] = await manager.query(
        `UPDATE pipelines SET name = $3, yaml = $4, updated_by = $5, updated_at = now(), version = version + 1
          WHERE id = $1 AND version = $2 RETURNING id`,
        [current.id, version, pipeline.name, yaml, actor.principal.name],
      );
      if (rows.length !== 1) {
        throw ApiError.conflict('STALE_VERSION', `pipeline '${identifier}' has changed since version ${version}; read it again`, { currentVersion: current.version });
      }
      await manager.query('DELETE FROM pipeline_connector_refs WHERE pipeline_id = $1', [current.id]);
      await this.saveRefs(manager, current.id, refs);
      await this.audit.record(manager, actor, { action: 'pipeline.update', resourceType: 'pipeline', resourceId: current.id, resourceRef: identifier, scope });
      return manager.findOneByOrFail(PipelineEntity, { id: current.id });
    });
  }

  async get(scope: Scope, identifier: string): Promise<PipelineEntity> {
    const entity = await this.pipelines.findOneBy({
      accountId: scope.accountId,
      organizationId: scope.organizationId ?? IsNull(),
      projectId: scope.projectId ?? IsNull(),
      identifier,
    });
    if (!entity) throw ApiError.notFound(`pipeline '${identifier}' not found in ${describeScope(scope)}`);
    return entity;
  }

  list(scope: Scope): Promise<PipelineEntity[]> {
    return this.pipelines.find({
      where: { accountId: scope.accountId, organizationId: scope.organizationId ?? IsNull(), projectId: scope.projectId ?? IsNull() },
      order: { identifier: 'ASC' },
    });
  }

  async delete(actor: Actor, scope: Scope, entity: PipelineEntity): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(PipelineEntity, { id: entity.id });
      await this.audit.record(manager, actor, { action: 'pipeline.delete', resourceType: 'pipeline', resourceId: entity.id, resourceRef: entity.identifier, scope });
    });
  }

  private target(scope: Scope, ref: string): { target: Scope; identifier: string } {
    const { scope: target, identifier } = this.scopes.targetOf(scope, ref);
    return { target, identifier };
  }

  private async saveRefs(manager: EntityManager, pipelineId: string, refs: ResolvedRef[]): Promise<void> {
    for (const r of refs) {
      await manager.query(
        `INSERT INTO pipeline_connector_refs (pipeline_id, path, ref, account_id, organization_id, project_id, identifier)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [pipelineId, r.path, r.ref, r.target.accountId, r.target.organizationId, r.target.projectId, r.identifier],
      );
    }
  }
}
