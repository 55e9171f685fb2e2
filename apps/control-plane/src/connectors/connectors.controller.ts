import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { catalogJsonSchemas, stringifyConnectorYaml } from '@conduit/connectors';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AccessService } from '../auth/access.service';
import { Actor, CurrentActor } from '../auth/actor';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { ScopeQuerySchema } from '../common/identifier';
import { ApiZodBody, ApiZodQuery } from '../common/openapi';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { Scope } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import { ConnectorInput, ConnectorListQuery, ConnectorRefParam, ConnectorUpdate, DeleteQuery, GetQuery } from './connector.dto';
import { connectorView } from './connector-view';
import { ConnectorsService } from './connectors.service';
import { ConnectorChecks } from './connector-checks';
import { ConnectorTestsService } from './connector-tests.service';
import { ConnectorLookup } from './connector-lookup';

const ImportQuery = ScopeQuerySchema.extend({
  /** `account` places the connector at account scope whatever the file says. */
  scope: z.enum(['account']).optional(),
});

const TestQuery = ScopeQuerySchema.extend({
  wait: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false),
  timeoutMs: z.coerce.number().int().min(1).max(120_000).default(60_000),
});

const isYaml = (request: Request) => Boolean(request.is(['application/yaml', 'application/x-yaml', 'text/yaml']));

@ApiTags('connectors')
@ApiBearerAuth()
@Controller('v1')
export class ConnectorsController {
  constructor(
    private readonly connectors: ConnectorsService,
    private readonly scopes: ScopesService,
    private readonly access: AccessService,
    private readonly tests: ConnectorTestsService,
    private readonly checkHistory: ConnectorChecks,
    private readonly lookup: ConnectorLookup,
  ) {}

  @Get('connector-catalog')
  catalog() {
    return { items: catalogJsonSchemas() };
  }

  @Post('connectors')
  @HttpCode(201)
  @ApiZodQuery(ScopeQuerySchema)
  @ApiZodBody(ConnectorInput, 'A connector in Conduit’s JSON shape; Harness YAML goes to /v1/connectors/import')
  async create(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
    @Body(new ZodValidationPipe(ConnectorInput)) body: z.infer<typeof ConnectorInput>,
  ) {
    const scope = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'connector:edit', scope);
    const entity = await this.connectors.create(actor, scope, body);
    return connectorView(entity, scope, scope, true);
  }

  @Post('connectors/import')
  @HttpCode(201)
  @ApiConsumes('application/yaml')
  @ApiZodQuery(ImportQuery)
  async import(
    @CurrentActor() actor: Actor,
    @Req() request: Request,
    @Query(new ZodValidationPipe(ImportQuery, 'query')) query: z.infer<typeof ImportQuery>,
    @Body() body: unknown,
  ) {
    if (!isYaml(request) || typeof body !== 'string') {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the connector YAML with Content-Type: application/yaml');
    }
    const requested = query.scope === 'account' || query.org ? await this.scopes.resolve(actor.principal.accountId, query.scope === 'account' ? {} : query) : undefined;
    // Where the file places the connector is known only after parsing: authorization happens there.
    const { entity, scope, report } = await this.connectors.importYaml(actor, body, requested, (s) => this.access.require(actor.principal, 'connector:edit', s));
    return { connector: connectorView(entity, scope, scope, true), import: report };
  }

  @Get('connectors')
  @ApiZodQuery(ConnectorListQuery)
  async list(@CurrentPrincipal() principal: Principal, @Query(new ZodValidationPipe(ConnectorListQuery, 'query')) query: z.infer<typeof ConnectorListQuery>) {
    const from = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'connector:view', from);
    const page = await this.connectors.list(from, query);
    return {
      items: page.items.map(({ entity, scope }) => connectorView(entity, scope, from, this.showsCredentials(principal, scope))),
      nextCursor: page.nextCursor,
    };
  }

  @Get('connectors/:ref')
  @ApiZodQuery(GetQuery)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('ref', new ZodValidationPipe(ConnectorRefParam, 'param')) ref: string,
    @Query(new ZodValidationPipe(GetQuery, 'query')) query: z.infer<typeof GetQuery>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const from = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'connector:view', from);
    const { entity, scope } = await this.connectors.get(from, ref);
    const view = connectorView(entity, scope, from, this.showsCredentials(principal, scope));
    if (query.format === 'yaml' || request.accepts(['application/json', 'application/yaml']) === 'application/yaml') {
      response.type('application/yaml');
      return stringifyConnectorYaml({
        name: view.name,
        identifier: view.identifier,
        description: view.description,
        tags: view.tags,
        ...(scope.orgIdentifier ? { orgIdentifier: scope.orgIdentifier } : {}),
        ...(scope.projectIdentifier ? { projectIdentifier: scope.projectIdentifier } : {}),
        type: entity.type,
        spec: view.spec,
      });
    }
    return view;
  }

  @Put('connectors/:ref')
  @ApiZodQuery(ScopeQuerySchema)
  @ApiZodBody(ConnectorUpdate)
  async update(
    @CurrentActor() actor: Actor,
    @Param('ref', new ZodValidationPipe(ConnectorRefParam, 'param')) ref: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
    @Body(new ZodValidationPipe(ConnectorUpdate)) body: z.infer<typeof ConnectorUpdate>,
  ) {
    const from = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'connector:view', from);
    const { entity, scope } = await this.connectors.get(from, ref);
    this.access.require(actor.principal, 'connector:edit', scope);
    const updated = await this.connectors.update(actor, scope, entity, body);
    return connectorView(updated, scope, from, true);
  }

  @Delete('connectors/:ref')
  @HttpCode(204)
  @ApiZodQuery(DeleteQuery)
  async remove(
    @CurrentActor() actor: Actor,
    @Param('ref', new ZodValidationPipe(ConnectorRefParam, 'param')) ref: string,
    @Query(new ZodValidationPipe(DeleteQuery, 'query')) query: z.infer<typeof DeleteQuery>,
  ) {
    const from = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'connector:view', from);
    const { entity, scope } = await this.connectors.get(from, ref);
    this.access.require(actor.principal, 'connector:edit', scope);
    await this.connectors.delete(actor, scope, entity, query.force);
  }

  /** Test connection; with wait=true the answer is the outcome, otherwise the pending task to poll. */
  @Post('connectors/:ref/test')
  @ApiZodQuery(TestQuery)
  async test(
    @CurrentActor() actor: Actor,
    @Param('ref', new ZodValidationPipe(ConnectorRefParam, 'param')) ref: string,
    @Query(new ZodValidationPipe(TestQuery, 'query')) query: z.infer<typeof TestQuery>,
    @Res({ passthrough: true }) response: Response,
  ) {
    const from = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'connector:use', from);
    const { entity, scope } = await this.connectors.get(from, ref);
    const result = await this.tests.test(actor, scope, entity, query.wait ? { timeoutMs: query.timeoutMs } : undefined);
    response.status(result.status === 'PENDING' ? 202 : 200);
    return result;
  }

  @Get('connectors/:ref/checks')
  @ApiZodQuery(ScopeQuerySchema)
  async checks(
    @CurrentPrincipal() principal: Principal,
    @Param('ref', new ZodValidationPipe(ConnectorRefParam, 'param')) ref: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const from = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'connector:view', from);
    const { entity } = await this.connectors.get(from, ref);
    return { items: await this.checkHistory.history(entity.id, 100) };
  }

  /** Every status the connector moved through (from tests, periodic validation and use), newest first. */
  @Get('connectors/:ref/status-history')
  @ApiZodQuery(ScopeQuerySchema)
  async statusHistory(
    @CurrentPrincipal() principal: Principal,
    @Param('ref', new ZodValidationPipe(ConnectorRefParam, 'param')) ref: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const { entity } = await this.lookup.visible(principal, ref, query);
    return { items: await this.checkHistory.statusHistory(entity.id, 100) };
  }

  /** The pipelines that reference the connector (the references that would block deleting it). */
  @Get('connectors/:ref/usage')
  @ApiZodQuery(ScopeQuerySchema)
  async usage(
    @CurrentPrincipal() principal: Principal,
    @Param('ref', new ZodValidationPipe(ConnectorRefParam, 'param')) ref: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const { entity, scope } = await this.lookup.visible(principal, ref, query);
    return { items: await this.connectors.usage(scope, entity.identifier) };
  }

  private showsCredentials(principal: Principal, scope: Scope): boolean {
    return this.access.can(principal, 'connector:view-credentials', scope);
  }
}
