import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AccessService } from '../auth/access.service';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ScopesService } from '../scopes/scopes.service';
import { AuditService } from './audit.service';

const AuditQuery = z.object({
  resourceType: z.string().max(64).optional(),
  resourceId: z.string().uuid().optional(),
  action: z.string().max(64).optional(),
  cursor: z.string().regex(/^\d+$/, 'cursor: use the nextCursor of the previous page').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit-events')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly access: AccessService,
    private readonly scopes: ScopesService,
  ) {}

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query(new ZodValidationPipe(AuditQuery, 'query')) query: z.infer<typeof AuditQuery>) {
    this.access.require(principal, 'audit:view', await this.scopes.resolve(principal.accountId, {}));
    const items = await this.audit.list(principal.accountId, { ...query, before: query.cursor });
    const last = items[items.length - 1];
    return {
      items: items.map(({ accountId: _a, ...event }) => event),
      nextCursor: items.length === query.limit && last ? last.id : null,
    };
  }
}
