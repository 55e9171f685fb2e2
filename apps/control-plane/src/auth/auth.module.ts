import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyEntity, PrincipalEntity, RoleBindingEntity } from './auth.entities';
import { AuthService } from './auth.service';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity, PrincipalEntity, RoleBindingEntity])],
  providers: [AuthService, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [AuthService],
})
export class AuthModule {}
