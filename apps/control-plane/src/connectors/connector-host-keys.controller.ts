import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AccessService } from '../auth/access.service';
import { Actor, CurrentActor } from '../auth/actor';
import { ScopeQuerySchema } from '../common/identifier';
import { ApiZodQuery } from '../common/openapi';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ConnectorRefParam } from './connector.dto';
import { connectorView } from './connector-view';
import { ConnectorHostKeys, FingerprintParam } from './connector-host-keys';
import { ConnectorLookup } from './connector-lookup';

/** SSH host keys the connector's tests met, and the admin's confirmation that pins one. */
@ApiTags('connectors')
@ApiBearerAuth()
@Controller('v1/connectors/:ref/host-keys')
export class ConnectorHostKeysController {
  constructor(
    private readonly lookup: ConnectorLookup,
    private readonly hostKeys: ConnectorHostKeys,
    private readonly access: AccessService,
  ) {}

  @Get()
  @ApiZodQuery(ScopeQuerySchema)
  async list(
    @CurrentActor() actor: Actor,
    @Param('ref', new ZodValidationPipe(ConnectorRefParam, 'param')) ref: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const { entity } = await this.lookup.visible(actor.principal, ref, query);
    return { items: await this.hostKeys.list(entity) };
  }

  /** The fingerprint goes URL-encoded in the path (`SHA256:…` holds `/` and `+`). Admins only (connector:edit). */
  @Post(':fingerprint/confirm')
  @HttpCode(200)
  @ApiZodQuery(ScopeQuerySchema)
  async confirm(
    @CurrentActor() actor: Actor,
    @Param('ref', new ZodValidationPipe(ConnectorRefParam, 'param')) ref: string,
    @Param('fingerprint', new ZodValidationPipe(FingerprintParam, 'param')) fingerprint: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const { entity, scope, from } = await this.lookup.visible(actor.principal, ref, query);
    this.access.require(actor.principal, 'connector:edit', scope);
    const updated = await this.hostKeys.confirm(actor, scope, entity, fingerprint);
    return connectorView(updated, scope, from, true);
  }
}
