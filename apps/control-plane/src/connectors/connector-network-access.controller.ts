import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { AccessService } from '../auth/access.service';
import { Actor, CurrentActor } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { ScopeQuerySchema } from '../common/identifier';
import { ApiZodBody, ApiZodQuery } from '../common/openapi';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { accountScopeOf } from '../scopes/scope';
import { ConnectorRefParam } from './connector.dto';
import { ConnectorLookup } from './connector-lookup';

const NetworkAccess = z.object({ allowPrivateNetworks: z.boolean() }).strict();

/**
 * Whether a platform-mode connector may reach loopback, link-local and private addresses from the control
 * plane. Those are the control plane's own network, so only an account-level admin may allow it; the
 * allowance covers the configuration that admin saw, and lapses when someone without that right edits it.
 */
@ApiTags('connectors')
@ApiBearerAuth()
@Controller('v1/connectors/:ref/network-access')
export class ConnectorNetworkAccessController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lookup: ConnectorLookup,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiZodQuery(ScopeQuerySchema)
  async get(
    @CurrentActor() actor: Actor,
    @Param('ref', new ZodValidationPipe(ConnectorRefParam, 'param')) ref: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const { entity } = await this.lookup.visible(actor.principal, ref, query);
    return this.read(entity.id, entity.connectivity);
  }

  @Put()
  @ApiZodQuery(ScopeQuerySchema)
  @ApiZodBody(NetworkAccess)
  async put(
    @CurrentActor() actor: Actor,
    @Param('ref', new ZodValidationPipe(ConnectorRefParam, 'param')) ref: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
    @Body(new ZodValidationPipe(NetworkAccess)) body: z.infer<typeof NetworkAccess>,
  ) {
    const { entity, scope } = await this.lookup.visible(actor.principal, ref, query);
    this.access.require(actor.principal, 'connector:allow-private-networks', accountScopeOf(scope));
    await this.dataSource.transaction(async (manager) => {
      const [before] = (await manager.query(`SELECT allow_private_networks FROM connectors WHERE id = $1 FOR UPDATE`, [entity.id])) as Array<{ allow_private_networks: boolean }>;
      await manager.query(`UPDATE connectors SET allow_private_networks = $2 WHERE id = $1`, [entity.id, body.allowPrivateNetworks]);
      await this.audit.record(manager, actor, {
        action: 'connector.network-access',
        resourceType: 'connector',
        resourceId: entity.id,
        resourceRef: entity.identifier,
        scope,
        changes: [{ path: 'allowPrivateNetworks', before: before?.allow_private_networks ?? null, after: body.allowPrivateNetworks }],
      });
    });
    return this.read(entity.id, entity.connectivity);
  }

  private async read(connectorId: string, connectivity: string) {
    const [row] = (await this.dataSource.query(`SELECT allow_private_networks FROM connectors WHERE id = $1`, [connectorId])) as Array<{ allow_private_networks: boolean }>;
    // It matters only while the connector runs on the platform: a delegate sits in the network it is meant to reach.
    return { allowPrivateNetworks: row?.allow_private_networks ?? false, connectivity };
  }
}
