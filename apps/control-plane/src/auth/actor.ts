import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { Principal } from './principal';

/** The caller of a request as the domain services see it: who, and under which request id (for audit). */
export interface Actor {
  principal: Principal;
  requestId: string;
}

/**
 * Conduit itself acting (periodic validation, status changes it observes): audited under `name`, with no
 * principal id and no grants, so it can never pass an access check by accident.
 */
export function systemActor(name: string, accountId: string): Actor {
  return { principal: { id: '', name, accountId, apiKeyId: '', grants: [] }, requestId: '' };
}

export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<Request & { id?: unknown }>();
  if (!request.principal) throw ApiError.unauthenticated();
  return { principal: request.principal, requestId: String(request.id ?? '') };
});
