import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { AccessService } from '../auth/access.service';
import { Actor, CurrentActor } from '../auth/actor';
import { ScopeQuerySchema } from '../common/identifier';
import { ApiZodQuery } from '../common/openapi';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ScopesService } from '../scopes/scopes.service';
import { ConnectorRefParam } from './connector.dto';
import { ConnectorOperationsService } from './connector-operations.service';
import { ConnectorsService } from './connectors.service';

const OperationParam = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'an operation name is lower-case letters, digits and -, e.g. list-tags');

const OperationQuery = ScopeQuerySchema.extend({
  wait: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false),
  timeoutMs: z.coerce.number().int().min(1).max(300_000).default(60_000),
});

// The body is checked against the operation's own schema in the service; here only that it is an object.
const OperationBody = z.record(z.string(), z.unknown()).optional();

@ApiTags('connectors')
@ApiBearerAuth()
@Controller('v1')
export class ConnectorOperationsController {
  constructor(
    private readonly connectors: ConnectorsService,
    private readonly operations: ConnectorOperationsService,
    private readonly scopes: ScopesService,
    private readonly access: AccessService,
  ) {}

  /** The operations a connector offers, each with the JSON Schema of its body. */
  @Get('connectors/:ref/operations')
  @ApiZodQuery(ScopeQuerySchema)
  async list(
    @CurrentActor() actor: Actor,
    @Param('ref', new ZodValidationPipe(ConnectorRefParam, 'param')) ref: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const from = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'connector:view', from);
    const { entity } = await this.connectors.get(from, ref);
    return { items: this.operations.describe(entity) };
  }

  /** Runs an operation as a task; with wait=true the answer is its outcome, otherwise the pending task to poll. */
  @Post('connectors/:ref/operations/:operation')
  @ApiZodQuery(OperationQuery)
  async run(
    @CurrentActor() actor: Actor,
    @Param('ref', new ZodValidationPipe(ConnectorRefParam, 'param')) ref: string,
    @Param('operation', new ZodValidationPipe(OperationParam, 'param')) operation: string,
    @Query(new ZodValidationPipe(OperationQuery, 'query')) query: z.infer<typeof OperationQuery>,
    @Body(new ZodValidationPipe(OperationBody)) body: z.infer<typeof OperationBody>,
    @Res({ passthrough: true }) response: Response,
  ) {
    const from = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'connector:use', from);
    const { entity, scope } = await this.connectors.get(from, ref);
    const result = await this.operations.run(actor, scope, entity, operation, body ?? {}, query.wait ? { timeoutMs: query.timeoutMs } : undefined);
    response.status(result.status === 'PENDING' ? 202 : 200);
    return result;
  }
}
