import { Injectable } from '@nestjs/common';
import { AccessService } from '../auth/access.service';
import { Principal } from '../auth/principal';
import type { Scope } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import { ConnectorEntity } from './connector.entity';
import { ConnectorsService } from './connectors.service';

/** The connector a request names (`x`, `org.x`, `account.x` from `?org=&project=`), once the caller may view it there. */
@Injectable()
export class ConnectorLookup {
  constructor(
    private readonly scopes: ScopesService,
    private readonly access: AccessService,
    private readonly connectors: ConnectorsService,
  ) {}

  async visible(principal: Principal, ref: string, query: { org?: string | undefined; project?: string | undefined }): Promise<{ entity: ConnectorEntity; scope: Scope; from: Scope }> {
    const from = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'connector:view', from);
    return { ...(await this.connectors.get(from, ref)), from };
  }
}
