import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AccessService } from '../auth/access.service';
import { Actor, CurrentActor } from '../auth/actor';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ScopeQuerySchema } from '../common/identifier';
import { ApiZodBody, ApiZodQuery } from '../common/openapi';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ConnectorRefParam, DeleteQuery } from '../connectors/connector.dto';
import { refFrom, Scope, scopeChain, scopeView } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import { SecretInput, SecretListQuery, SecretResealInput, SecretValueUpdate } from './secret.dto';
import { SecretEntity, SecretVersionEntity } from './secret.entities';
import { SecretResealService } from './secret-reseal.service';
import { SecretsService } from './secrets.service';

/** Metadata only: a secret's value never leaves the control plane, not even as an envelope. */
function secretView(secret: SecretEntity, scope: Scope, from: Scope) {
  return {
    id: secret.id,
    identifier: secret.identifier,
    ref: refFrom(from, scope, secret.identifier),
    name: secret.name,
    description: secret.description,
    tags: secret.tags,
    kind: secret.kind,
    allowPlatformUse: secret.allowPlatformUse,
    scope: scopeView(scope),
    version: secret.currentVersion,
    createdAt: secret.createdAt,
    updatedAt: secret.updatedAt,
    createdBy: secret.createdBy,
    updatedBy: secret.updatedBy,
  };
}

function versionView(v: SecretVersionEntity) {
  const recipients = ((v.sealed?.['recipients'] as Array<{ kind: string; groupId?: string; keyId: string }> | undefined) ?? []).map((r) =>
    r.kind === 'group' ? { kind: 'group', group: r.groupId, keyId: r.keyId } : { kind: 'master', keyId: r.keyId },
  );
  return {
    version: v.version,
    sealedBy: v.sealedBy,
    recipients,
    ...(v.reference ? { reference: v.reference } : {}),
    createdAt: v.createdAt,
    createdBy: v.createdBy,
  };
}

const RefParam = new ZodValidationPipe(ConnectorRefParam, 'param');

@ApiTags('secrets')
@ApiBearerAuth()
@Controller('v1/secrets')
export class SecretsController {
  constructor(
    private readonly secrets: SecretsService,
    private readonly scopes: ScopesService,
    private readonly access: AccessService,
    private readonly reseals: SecretResealService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiZodQuery(ScopeQuerySchema)
  @ApiZodBody(SecretInput)
  async create(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
    @Body(new ZodValidationPipe(SecretInput)) body: z.infer<typeof SecretInput>,
  ) {
    const scope = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'secret:edit', scope);
    return secretView(await this.secrets.create(actor, scope, body), scope, scope);
  }

  @Get()
  @ApiZodQuery(SecretListQuery)
  async list(@CurrentPrincipal() principal: Principal, @Query(new ZodValidationPipe(SecretListQuery, 'query')) query: z.infer<typeof SecretListQuery>) {
    const from = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'secret:view', from);
    const found = await this.secrets.list(query.includeParentScopes ? scopeChain(from) : [from]);
    return { items: found.map(({ secret, scope }) => secretView(secret, scope, from)) };
  }

  @Get(':ref')
  @ApiZodQuery(ScopeQuerySchema)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('ref', RefParam) ref: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const from = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'secret:view', from);
    const { secret, scope } = await this.secrets.get(from, ref);
    return {
      ...secretView(secret, scope, from),
      versions: (await this.secrets.versionsOf(secret.id)).map(versionView),
      usedBy: await this.secrets.usedBy(secret, scope),
    };
  }

  @Put(':ref/value')
  @ApiZodQuery(ScopeQuerySchema)
  @ApiZodBody(SecretValueUpdate)
  async rotate(
    @CurrentActor() actor: Actor,
    @Param('ref', RefParam) ref: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
    @Body(new ZodValidationPipe(SecretValueUpdate)) body: z.infer<typeof SecretValueUpdate>,
  ) {
    const from = await this.scopes.resolve(actor.principal.accountId, query);
    const { secret, scope } = await this.secrets.get(from, ref);
    this.access.require(actor.principal, 'secret:edit', scope);
    return secretView(await this.secrets.rotate(actor, scope, secret, body), scope, from);
  }

  /**
   * Seals the current version for more delegate groups, through a delegate of a group that can open it
   * (the control plane cannot). 200 when done (or nothing to do), 202 while the task is still running.
   */
  @Post(':ref/reseal')
  @ApiZodQuery(ScopeQuerySchema)
  @ApiZodBody(SecretResealInput)
  async reseal(
    @CurrentActor() actor: Actor,
    @Param('ref', RefParam) ref: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
    @Body(new ZodValidationPipe(SecretResealInput)) body: z.infer<typeof SecretResealInput>,
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ) {
    const from = await this.scopes.resolve(actor.principal.accountId, query);
    const { scope } = await this.secrets.get(from, ref);
    this.access.require(actor.principal, 'secret:edit', scope);
    const outcome = await this.reseals.reseal(actor, from, ref, body.groups, body.waitMs);
    response.status(outcome.status === 'succeeded' || outcome.status === 'unchanged' ? 200 : outcome.status === 'failed' || outcome.status === 'cancelled' || outcome.status === 'unknown' ? 502 : 202);
    return outcome;
  }

  @Delete(':ref')
  @HttpCode(204)
  @ApiZodQuery(DeleteQuery)
  async remove(
    @CurrentActor() actor: Actor,
    @Param('ref', RefParam) ref: string,
    @Query(new ZodValidationPipe(DeleteQuery, 'query')) query: z.infer<typeof DeleteQuery>,
  ) {
    const from = await this.scopes.resolve(actor.principal.accountId, query);
    const { secret, scope } = await this.secrets.get(from, ref);
    this.access.require(actor.principal, 'secret:edit', scope);
    await this.secrets.delete(actor, scope, secret, query.force);
  }
}
