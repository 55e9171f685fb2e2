import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DelegateEntity, DelegateTokenEntity } from './delegate.entities';
import { DelegateGateway } from './delegate.gateway';
import { DelegateTokenService } from './delegate-token.service';
import { DelegatesController } from './delegates.controller';
import { DelegatesService } from './delegates.service';

@Module({
  imports: [TypeOrmModule.forFeature([DelegateEntity, DelegateTokenEntity])],
  controllers: [DelegatesController],
  providers: [DelegatesService, DelegateTokenService, DelegateGateway],
  exports: [DelegateTokenService, DelegateGateway],
})
export class DelegatesModule {}
