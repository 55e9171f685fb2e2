import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { DelegateEntity } from './delegate.entities';
import { DelegatesService } from './delegates.service';
import { DelegateGroupsService } from './delegate-groups.service';

export interface DelegateView {
  id: string;
  name: string;
  group: string;
  status: DelegateEntity['status'];
  tags: string[];
  version: string;
  protocolVersion: number;
  capacity: number;
  /** Tasks offered to or running on it now. */
  running: number;
  taskKinds: string[];
  replicaId: string | null;
  connectedAt: Date | null;
  lastHeartbeatAt: Date | null;
  disconnectedAt: Date | null;
}

function toView(d: DelegateEntity & { running: number }): DelegateView {
  return {
    id: d.id,
    name: d.name,
    group: d.group,
    status: d.status,
    tags: d.tags,
    version: d.version,
    protocolVersion: d.protocolVersion,
    capacity: d.capacity,
    running: d.running,
    taskKinds: d.taskKinds,
    replicaId: d.replicaId,
    connectedAt: d.connectedAt,
    lastHeartbeatAt: d.lastHeartbeatAt,
    disconnectedAt: d.disconnectedAt,
  };
}

@ApiTags('delegates')
@ApiBearerAuth()
@Controller('v1')
export class DelegatesController {
  constructor(
    private readonly delegates: DelegatesService,
    private readonly groups: DelegateGroupsService,
  ) {}

  /** The groups' public keys: what a client seals a secret to, so its value never reaches us in plaintext. */
  @Get('delegate-groups')
  async listGroups(@CurrentPrincipal() principal: Principal) {
    const groups = await this.groups.listForAccount(principal.accountId);
    return { items: groups.map((g) => ({ name: g.name, publicKey: g.publicKey, keyId: g.keyId, createdAt: g.createdAt })) };
  }

  @Get('delegates')
  @ApiOkResponse({ description: 'Delegates of the caller’s account with their connection status.' })
  async list(@CurrentPrincipal() principal: Principal): Promise<{ items: DelegateView[] }> {
    const rows = await this.delegates.listForAccount(principal.accountId);
    return { items: rows.map(toView) };
  }
}
