import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DelegateEntity, DelegateGroupEntity, DelegateTokenEntity } from './delegate.entities';
import { DelegateGroupsService } from './delegate-groups.service';
import { DelegateGateway } from './delegate.gateway';
import { DelegateTokenService } from './delegate-token.service';
import { DelegatesController } from './delegates.controller';
import { DelegatesService } from './delegates.service';

@Module({
  imports: [TypeOrmModule.forFeature([DelegateEntity, DelegateTokenEntity, DelegateGroupEntity])],
  controllers: [DelegatesController],
  providers: [DelegatesService, DelegateTokenService, DelegateGateway, DelegateGroupsService],
  exports: [DelegateTokenService, DelegateGateway, DelegateGroupsService],
})
export class DelegatesModule {}
