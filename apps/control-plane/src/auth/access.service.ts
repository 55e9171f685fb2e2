import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { describeScope, Scope, scopeContains } from '../scopes/scope';
import { ROLE_PERMISSIONS, Permission } from './permissions';
import { Principal } from './principal';

/** Role-based access: a binding at a scope grants its role's permissions there and in every scope below. */
@Injectable()
export class AccessService {
  can(principal: Principal, permission: Permission, scope: Scope): boolean {
    return principal.grants.some(
      (grant) => ROLE_PERMISSIONS[grant.role].has(permission) && scopeContains(grant, scope),
    );
  }

  /** Throws 403 naming the permission and the scope when the caller lacks it. */
  require(principal: Principal, permission: Permission, scope: Scope): void {
    if (!this.can(principal, permission, scope)) {
      throw ApiError.forbidden(`'${principal.name}' lacks ${permission} in ${describeScope(scope)}`);
    }
  }
}
