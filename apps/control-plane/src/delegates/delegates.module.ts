import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DelegateEntity, DelegateGroupEntity, DelegateTokenEntity } from './delegate.entities';
import { DelegateGroupsService } from './delegate-groups.service';
import { DelegateSessions } from './delegate-sessions';
import { DelegateGateway } from './delegate.gateway';
import { DelegateTokenService } from './delegate-token.service';
import { DelegatesController } from './delegates.controller';
import { DelegateTokensController } from './delegate-tokens.controller';
import { DelegatesService } from './delegates.service';

@Module({
  imports: [TypeOrmModule.forFeature([DelegateEntity, DelegateTokenEntity, DelegateGroupEntity])],
  controllers: [DelegatesController, DelegateTokensController],
  providers: [DelegatesService, DelegateTokenService, DelegateGateway, DelegateGroupsService, DelegateSessions],
  exports: [DelegateTokenService, DelegateGateway, DelegateGroupsService, DelegateSessions, DelegatesService],
})
export class DelegatesModule {}
