import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessService } from './access.service';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyEntity, PrincipalEntity, RoleBindingEntity } from './auth.entities';
import { AuthService } from './auth.service';
import { PrincipalsController } from './principals.controller';

/** Authentication (API keys), authorization (roles at scopes) and their management API. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity, PrincipalEntity, RoleBindingEntity])],
  controllers: [PrincipalsController],
  providers: [AuthService, AccessService, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [AuthService, AccessService],
})
export class AuthModule {}
