import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { z } from 'zod';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { isUniqueViolation } from '../common/db-errors';
import { DisplayName, Identifier } from '../common/identifier';
import { ApiZodBody } from '../common/openapi';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ScopesService } from '../scopes/scopes.service';
import { AccessService } from './access.service';
import { Actor, CurrentActor } from './actor';
import { ApiKeyEntity, PrincipalEntity, RoleBindingEntity } from './auth.entities';
import { AuthService } from './auth.service';

const CreatePrincipal = z.object({ name: z.string().regex(/^[A-Za-z0-9_.@-]{1,128}$/, 'letters, digits and _ . @ -'), kind: z.enum(['user', 'service']) }).strict();
const CreateApiKey = z.object({ name: DisplayName }).strict();
const CreateBinding = z
  .object({
    principalId: z.string().uuid(),
    role: z.enum(['admin', 'developer', 'viewer']),
    org: Identifier.optional(),
    project: Identifier.optional(),
  })
  .strict();

/** Principals, their API keys and role bindings. Managing them is the access:edit permission. */
@ApiTags('access')
@ApiBearerAuth()
@Controller('v1')
export class PrincipalsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly auth: AuthService,
    private readonly access: AccessService,
    private readonly scopes: ScopesService,
    private readonly audit: AuditService,
    @InjectRepository(PrincipalEntity) private readonly principals: Repository<PrincipalEntity>,
    @InjectRepository(ApiKeyEntity) private readonly apiKeys: Repository<ApiKeyEntity>,
    @InjectRepository(RoleBindingEntity) private readonly bindings: Repository<RoleBindingEntity>,
  ) {}

  @Get('principals')
  async list(@CurrentActor() actor: Actor) {
    const account = await this.scopes.resolve(actor.principal.accountId, {});
    this.access.require(actor.principal, 'access:edit', account);
    const principals = await this.principals.find({ where: { accountId: account.accountId }, order: { name: 'ASC' } });
    const bindings = await this.bindings.find({ where: { accountId: account.accountId } });
    return {
      items: principals.map((p) => ({
        id: p.id,
        name: p.name,
        kind: p.kind,
        createdAt: p.createdAt,
        roleBindings: bindings.filter((b) => b.principalId === p.id).map((b) => ({ id: b.id, role: b.role, organizationId: b.organizationId, projectId: b.projectId })),
      })),
    };
  }

  @Post('principals')
  @HttpCode(201)
  @ApiZodBody(CreatePrincipal)
  async create(@CurrentActor() actor: Actor, @Body(new ZodValidationPipe(CreatePrincipal)) body: z.infer<typeof CreatePrincipal>) {
    const account = await this.scopes.resolve(actor.principal.accountId, {});
    this.access.require(actor.principal, 'access:edit', account);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const principal = await manager.save(manager.create(PrincipalEntity, { accountId: account.accountId, ...body }));
        await this.audit.record(manager, actor, { action: 'principal.create', resourceType: 'principal', resourceId: principal.id, resourceRef: principal.name, scope: account });
        return { id: principal.id, name: principal.name, kind: principal.kind, createdAt: principal.createdAt };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw ApiError.conflict('ALREADY_EXISTS', `principal '${body.name}' already exists`);
      throw error;
    }
  }

  @Post('principals/:id/api-keys')
  @HttpCode(201)
  @ApiZodBody(CreateApiKey)
  async createKey(
    @CurrentActor() actor: Actor,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(CreateApiKey)) body: z.infer<typeof CreateApiKey>,
  ) {
    const account = await this.scopes.resolve(actor.principal.accountId, {});
    this.access.require(actor.principal, 'access:edit', account);
    const principal = await this.principals.findOneBy({ id, accountId: account.accountId });
    if (!principal) throw ApiError.notFound(`principal '${id}' not found`);
    return this.dataSource.transaction(async (manager) => {
      const { keyId, apiKey } = await this.auth.createApiKey(manager, principal.id, body.name);
      await this.audit.record(manager, actor, { action: 'api-key.create', resourceType: 'api-key', resourceId: keyId, resourceRef: `${principal.name}/${body.name}`, scope: account });
      return { id: keyId, name: body.name, principalId: principal.id, apiKey, note: 'the key is shown only in this response' };
    });
  }

  @Delete('api-keys/:id')
  @HttpCode(204)
  async revokeKey(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string) {
    const account = await this.scopes.resolve(actor.principal.accountId, {});
    this.access.require(actor.principal, 'access:edit', account);
    const key = await this.apiKeys.findOneBy({ id });
    const owner = key && (await this.principals.findOneBy({ id: key.principalId, accountId: account.accountId }));
    if (!key || !owner) throw ApiError.notFound(`API key '${id}' not found`);
    await this.dataSource.transaction(async (manager) => {
      await manager.update(ApiKeyEntity, { id }, { revokedAt: new Date() });
      await this.audit.record(manager, actor, { action: 'api-key.revoke', resourceType: 'api-key', resourceId: id, resourceRef: `${owner.name}/${key.name}`, scope: account });
    });
  }

  @Post('role-bindings')
  @HttpCode(201)
  @ApiZodBody(CreateBinding)
  async bind(@CurrentActor() actor: Actor, @Body(new ZodValidationPipe(CreateBinding)) body: z.infer<typeof CreateBinding>) {
    const scope = await this.scopes.resolve(actor.principal.accountId, { org: body.org, project: body.project });
    // An org or project admin may grant roles within their own scope.
    this.access.require(actor.principal, 'access:edit', scope);
    const principal = await this.principals.findOneBy({ id: body.principalId, accountId: scope.accountId });
    if (!principal) throw ApiError.notFound(`principal '${body.principalId}' not found`);
    return this.dataSource.transaction(async (manager) => {
      const binding = await manager.save(
        manager.create(RoleBindingEntity, { principalId: principal.id, role: body.role, accountId: scope.accountId, organizationId: scope.organizationId, projectId: scope.projectId }),
      );
      await this.audit.record(manager, actor, {
        action: 'role-binding.create',
        resourceType: 'role-binding',
        resourceId: binding.id,
        resourceRef: `${principal.name}:${body.role}`,
        scope,
        changes: [{ path: 'role', after: body.role }],
      });
      return { id: binding.id, principalId: principal.id, role: binding.role, org: scope.orgIdentifier, project: scope.projectIdentifier };
    });
  }

  @Delete('role-bindings/:id')
  @HttpCode(204)
  async unbind(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string) {
    const binding = await this.bindings.findOneBy({ id, accountId: actor.principal.accountId });
    if (!binding) throw ApiError.notFound(`role binding '${id}' not found`);
    const account = await this.scopes.resolve(actor.principal.accountId, {});
    const scope = { ...account, level: binding.projectId ? ('project' as const) : binding.organizationId ? ('org' as const) : ('account' as const), organizationId: binding.organizationId, projectId: binding.projectId };
    this.access.require(actor.principal, 'access:edit', scope);
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(RoleBindingEntity, { id });
      await this.audit.record(manager, actor, { action: 'role-binding.delete', resourceType: 'role-binding', resourceId: id, resourceRef: binding.role, scope, changes: [{ path: 'role', before: binding.role }] });
    });
  }
}
