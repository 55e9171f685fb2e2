import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DelegatesModule } from '../delegates/delegates.module';
import { MasterKeyring } from './master-keyring';
import { SecretEntity, SecretVersionEntity } from './secret.entities';
import { SecretResealService } from './secret-reseal.service';
import { SecretsController } from './secrets.controller';
import { SecretsService } from './secrets.service';

@Module({
  imports: [TypeOrmModule.forFeature([SecretEntity, SecretVersionEntity]), DelegatesModule],
  controllers: [SecretsController],
  providers: [SecretsService, MasterKeyring, SecretResealService],
  exports: [SecretsService, MasterKeyring],
})
export class SecretsModule {}
