import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { z } from 'zod';
import { AccessService } from '../auth/access.service';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { isUniqueViolation } from '../common/db-errors';
import { DisplayName, Identifier } from '../common/identifier';
import { ApiZodBody } from '../common/openapi';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { OrganizationEntity, ProjectEntity } from './scope.entities';
import { ScopesService } from './scopes.service';

const CreateScope = z.object({ identifier: Identifier, name: DisplayName }).strict();
type CreateScope = z.infer<typeof CreateScope>;


@ApiTags('scopes')
@ApiBearerAuth()
@Controller('v1/organizations')
export class ScopesController {
  constructor(
    private readonly scopes: ScopesService,
    private readonly access: AccessService,
    @InjectRepository(OrganizationEntity) private readonly orgs: Repository<OrganizationEntity>,
    @InjectRepository(ProjectEntity) private readonly projects: Repository<ProjectEntity>,
  ) {}

  @Get()
  async listOrganizations(@CurrentPrincipal() principal: Principal) {
    const account = await this.scopes.resolve(principal.accountId, {});
    const orgs = await this.orgs.find({ where: { accountId: principal.accountId }, order: { identifier: 'ASC' } });
    const visible = [];
    for (const org of orgs) {
      const scope = await this.scopes.resolve(principal.accountId, { org: org.identifier });
      if (this.access.can(principal, 'scope:view', scope)) visible.push({ identifier: org.identifier, name: org.name, createdAt: org.createdAt });
    }
    return { account: account.accountIdentifier, items: visible };
  }

  @Post()
  @HttpCode(201)
  @ApiZodBody(CreateScope)
  async createOrganization(@CurrentPrincipal() principal: Principal, @Body(new ZodValidationPipe(CreateScope)) body: CreateScope) {
    this.access.require(principal, 'scope:edit', await this.scopes.resolve(principal.accountId, {}));
    try {
      const org = await this.orgs.save(this.orgs.create({ accountId: principal.accountId, ...body }));
      return { identifier: org.identifier, name: org.name, createdAt: org.createdAt };
    } catch (error) {
      if (isUniqueViolation(error)) throw ApiError.conflict('ALREADY_EXISTS', `organization '${body.identifier}' already exists`);
      throw error;
    }
  }

  @Get(':org/projects')
  async listProjects(@CurrentPrincipal() principal: Principal, @Param('org', new ZodValidationPipe(Identifier, 'param')) org: string) {
    const scope = await this.scopes.resolve(principal.accountId, { org });
    const projects = await this.projects.find({ where: { organizationId: scope.organizationId as string }, order: { identifier: 'ASC' } });
    const visible = [];
    for (const project of projects) {
      const projectScope = { ...scope, level: 'project' as const, projectId: project.id, projectIdentifier: project.identifier };
      if (this.access.can(principal, 'scope:view', projectScope)) visible.push({ identifier: project.identifier, name: project.name, createdAt: project.createdAt });
    }
    return { org, items: visible };
  }

  @Post(':org/projects')
  @HttpCode(201)
  @ApiZodBody(CreateScope)
  async createProject(
    @CurrentPrincipal() principal: Principal,
    @Param('org', new ZodValidationPipe(Identifier, 'param')) org: string,
    @Body(new ZodValidationPipe(CreateScope)) body: CreateScope,
  ) {
    const scope = await this.scopes.resolve(principal.accountId, { org });
    this.access.require(principal, 'scope:edit', scope);
    try {
      const project = await this.projects.save(
        this.projects.create({ accountId: principal.accountId, organizationId: scope.organizationId as string, ...body }),
      );
      return { org, identifier: project.identifier, name: project.name, createdAt: project.createdAt };
    } catch (error) {
      if (isUniqueViolation(error)) throw ApiError.conflict('ALREADY_EXISTS', `project '${body.identifier}' already exists in organization '${org}'`);
      throw error;
    }
  }
}
