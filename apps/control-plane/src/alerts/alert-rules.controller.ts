import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AccessService } from '../auth/access.service';
import { Actor, CurrentActor } from '../auth/actor';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { Identifier, ScopeQuerySchema } from '../common/identifier';
import { ApiZodBody, ApiZodQuery } from '../common/openapi';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ScopesService } from '../scopes/scopes.service';
import { AlertRuleInput, AlertRuleUpdate } from './alert-rule.dto';
import { alertRuleView, AlertRulesService } from './alert-rules.service';

const FiringsQuery = ScopeQuerySchema.extend({ limit: z.coerce.number().int().min(1).max(500).default(50) });

@ApiTags('alert-rules')
@ApiBearerAuth()
@Controller('v1/alert-rules')
export class AlertRulesController {
  constructor(
    private readonly rules: AlertRulesService,
    private readonly scopes: ScopesService,
    private readonly access: AccessService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiZodQuery(ScopeQuerySchema)
  @ApiZodBody(AlertRuleInput, 'An alert rule: a condition and the notification connectors it notifies')
  async create(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
    @Body(new ZodValidationPipe(AlertRuleInput)) body: AlertRuleInput,
  ) {
    const scope = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'alert:edit', scope);
    return alertRuleView(await this.rules.create(actor, scope, body), scope);
  }

  @Get()
  @ApiZodQuery(ScopeQuerySchema)
  async list(@CurrentPrincipal() principal: Principal, @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>) {
    const scope = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'alert:view', scope);
    return { items: (await this.rules.list(scope)).map((rule) => alertRuleView(rule, scope)) };
  }

  @Get(':id')
  @ApiZodQuery(ScopeQuerySchema)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(Identifier, 'param')) id: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const scope = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'alert:view', scope);
    return alertRuleView(await this.rules.get(scope, id), scope);
  }

  @Put(':id')
  @ApiZodQuery(ScopeQuerySchema)
  @ApiZodBody(AlertRuleUpdate, 'The whole rule and the version last read')
  async update(
    @CurrentActor() actor: Actor,
    @Param('id', new ZodValidationPipe(Identifier, 'param')) id: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
    @Body(new ZodValidationPipe(AlertRuleUpdate)) body: AlertRuleUpdate,
  ) {
    const scope = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'alert:edit', scope);
    return alertRuleView(await this.rules.update(actor, scope, await this.rules.get(scope, id), body), scope);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiZodQuery(ScopeQuerySchema)
  async remove(
    @CurrentActor() actor: Actor,
    @Param('id', new ZodValidationPipe(Identifier, 'param')) id: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const scope = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'alert:edit', scope);
    await this.rules.delete(actor, scope, await this.rules.get(scope, id));
  }

  /** Each time the rule fired: the event, whether the cooldown held it back, and each notification's task. */
  @Get(':id/firings')
  @ApiZodQuery(FiringsQuery)
  async firings(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(Identifier, 'param')) id: string,
    @Query(new ZodValidationPipe(FiringsQuery, 'query')) query: z.infer<typeof FiringsQuery>,
  ) {
    const scope = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'alert:view', scope);
    return { items: await this.rules.firings(await this.rules.get(scope, id), query.limit) };
  }
}
