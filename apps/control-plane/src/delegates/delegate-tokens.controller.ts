import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, Repository } from 'typeorm';
import { z } from 'zod';
import { AccessService } from '../auth/access.service';
import { Actor, CurrentActor } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { DisplayName, ScopeQuerySchema } from '../common/identifier';
import { ApiZodBody, ApiZodQuery } from '../common/openapi';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { CONFIG, ConduitConfig } from '../config/config';
import { scopeView } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import { DelegateTokenEntity } from './delegate.entities';
import { DelegateTokenService } from './delegate-token.service';

const CreateToken = z.object({ name: DisplayName }).strict();

/** Ready-to-paste ways to run a delegate with a new token; the token appears only in this response. */
function installCommands(url: string, token: string, group = 'default') {
  return {
    docker: `docker run -d --name conduit-delegate --restart unless-stopped -e CONDUIT_URL=${url} -e CONDUIT_DELEGATE_TOKEN=${token} -e DELEGATE_GROUP=${group} -e DELEGATE_KEY_FILE=/var/lib/conduit/${group}.key -v conduit-delegate:/var/lib/conduit conduit/delegate:0.1.0`,
    helm: `helm install conduit-delegate deploy/helm/conduit-delegate --set controlPlaneUrl=${url} --set token=${token} --set group=${group}`,
    node: `CONDUIT_URL=${url} CONDUIT_DELEGATE_TOKEN=${token} DELEGATE_GROUP=${group} DELEGATE_KEY_FILE=./${group}.key npx conduit-delegate`,
  };
}

@ApiTags('delegates')
@ApiBearerAuth()
@Controller('v1/delegate-tokens')
export class DelegateTokensController {
  constructor(
    @Inject(CONFIG) private readonly config: ConduitConfig,
    private readonly dataSource: DataSource,
    private readonly tokens: DelegateTokenService,
    private readonly scopes: ScopesService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    @InjectRepository(DelegateTokenEntity) private readonly repository: Repository<DelegateTokenEntity>,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiZodQuery(ScopeQuerySchema)
  @ApiZodBody(CreateToken)
  async create(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
    @Body(new ZodValidationPipe(CreateToken)) body: z.infer<typeof CreateToken>,
  ) {
    const scope = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'delegate:edit', scope);
    const { entity, token } = await this.dataSource.transaction(async (manager) => {
      const created = await this.tokens.create(manager, { accountId: scope.accountId, organizationId: scope.organizationId, projectId: scope.projectId, name: body.name });
      await this.audit.record(manager, actor, { action: 'delegate-token.create', resourceType: 'delegate-token', resourceId: created.entity.id, resourceRef: body.name, scope });
      return created;
    });
    const url = this.config.PUBLIC_URL ?? `http://127.0.0.1:${this.config.PORT}`;
    return { id: entity.id, name: entity.name, scope: scopeView(scope), createdAt: entity.createdAt, token, install: installCommands(url, token), note: 'the token is shown only in this response' };
  }

  @Get()
  async list(@CurrentActor() actor: Actor) {
    const account = await this.scopes.resolve(actor.principal.accountId, {});
    this.access.require(actor.principal, 'delegate:edit', account);
    const tokens = await this.repository.find({ where: { accountId: account.accountId }, order: { createdAt: 'DESC' } });
    return { items: tokens.map((t) => ({ id: t.id, name: t.name, organizationId: t.organizationId, projectId: t.projectId, createdAt: t.createdAt, revokedAt: t.revokedAt })) };
  }

  /** Revoking drains the delegates using the token and refuses its future connections. */
  @Post(':id/revoke')
  async revoke(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string) {
    const token = await this.repository.findOneBy({ id, accountId: actor.principal.accountId });
    if (!token) throw ApiError.notFound(`delegate token '${id}' not found`);
    const scope = await this.scopes.fromIds(token.accountId, token.organizationId, token.projectId);
    this.access.require(actor.principal, 'delegate:edit', scope);
    await this.dataSource.transaction(async (manager) => {
      await manager.update(DelegateTokenEntity, { id, revokedAt: IsNull() }, { revokedAt: new Date() });
      await this.audit.record(manager, actor, { action: 'delegate-token.revoke', resourceType: 'delegate-token', resourceId: id, resourceRef: token.name, scope });
    });
    return { id, revokedAt: (await this.repository.findOneByOrFail({ id })).revokedAt };
  }
}
