import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { AuthService } from './auth.service';
import { IS_PUBLIC } from './public.decorator';

/** Every route requires `Authorization: Bearer <api key>` unless marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw ApiError.unauthenticated();
    const principal = await this.auth.authenticate(match[1] as string);
    if (!principal) throw ApiError.unauthenticated('API key is not valid (unknown, malformed or revoked)');
    request.principal = principal;
    return true;
  }
}
