import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AccessService } from '../auth/access.service';
import { Actor, CurrentActor } from '../auth/actor';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { Identifier, ScopeQuerySchema } from '../common/identifier';
import { ApiZodQuery } from '../common/openapi';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ScopesService } from '../scopes/scopes.service';
import { PipelineEntity } from './pipeline.entity';
import { PipelinesService } from './pipelines.service';

const UpdateQuery = ScopeQuerySchema.extend({ version: z.coerce.number().int().positive() });

function yamlBody(request: Request, body: unknown): string {
  if (!request.is(['application/yaml', 'application/x-yaml', 'text/yaml']) || typeof body !== 'string') {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the pipeline YAML with Content-Type: application/yaml');
  }
  return body;
}

const view = (p: PipelineEntity) => ({
  identifier: p.identifier,
  name: p.name,
  version: p.version,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
  createdBy: p.createdBy,
  updatedBy: p.updatedBy,
});

@ApiTags('pipelines')
@ApiBearerAuth()
@Controller('v1/pipelines')
export class PipelinesController {
  constructor(
    private readonly pipelines: PipelinesService,
    private readonly scopes: ScopesService,
    private readonly access: AccessService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiConsumes('application/yaml')
  @ApiZodQuery(ScopeQuerySchema)
  async create(@CurrentActor() actor: Actor, @Req() request: Request, @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>, @Body() body: unknown) {
    const scope = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'pipeline:edit', scope);
    return view(await this.pipelines.create(actor, scope, yamlBody(request, body)));
  }

  @Get()
  @ApiZodQuery(ScopeQuerySchema)
  async list(@CurrentPrincipal() principal: Principal, @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>) {
    const scope = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'pipeline:view', scope);
    return { items: (await this.pipelines.list(scope)).map(view) };
  }

  /** YAML as stored (`Accept: application/yaml`), or JSON with the YAML inside. */
  @Get(':id')
  @ApiZodQuery(ScopeQuerySchema)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(Identifier, 'param')) id: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const scope = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'pipeline:view', scope);
    const pipeline = await this.pipelines.get(scope, id);
    if (request.accepts(['application/json', 'application/yaml']) === 'application/yaml') {
      response.type('application/yaml');
      return pipeline.yaml;
    }
    return { ...view(pipeline), yaml: pipeline.yaml };
  }

  @Put(':id')
  @ApiConsumes('application/yaml')
  @ApiZodQuery(UpdateQuery)
  async update(
    @CurrentActor() actor: Actor,
    @Param('id', new ZodValidationPipe(Identifier, 'param')) id: string,
    @Query(new ZodValidationPipe(UpdateQuery, 'query')) query: z.infer<typeof UpdateQuery>,
    @Req() request: Request,
    @Body() body: unknown,
  ) {
    const scope = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'pipeline:edit', scope);
    const current = await this.pipelines.get(scope, id);
    return view(await this.pipelines.update(actor, scope, current, yamlBody(request, body), query.version));
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
    this.access.require(actor.principal, 'pipeline:edit', scope);
    await this.pipelines.delete(actor, scope, await this.pipelines.get(scope, id));
  }
}
