import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretsModule } from '../secrets/secrets.module';
import { TasksModule } from '../tasks/tasks.module';
import { ConnectorChecks } from './connector-checks';
import { ConnectorHostKeys } from './connector-host-keys';
import { ConnectorLookup } from './connector-lookup';
import { ConnectorHostKeysController } from './connector-host-keys.controller';
import { ConnectorOperationsController } from './connector-operations.controller';
import { ConnectorOperationsService } from './connector-operations.service';
import { ConnectorTestsService } from './connector-tests.service';
import { ConnectorValidation } from './connector-validation';
import { ConnectorEntity } from './connector.entity';
import { ConnectorsController } from './connectors.controller';
import { ConnectorsService } from './connectors.service';
import { ConnectorNetworkAccessController } from './connector-network-access.controller';
import { PlatformConnectorRunner } from './platform-runner';
import { PlatformSecrets } from './platform-secrets';

@Module({
  imports: [TypeOrmModule.forFeature([ConnectorEntity]), SecretsModule, TasksModule],
  controllers: [ConnectorsController, ConnectorHostKeysController, ConnectorNetworkAccessController, ConnectorOperationsController],
  providers: [
    ConnectorsService,
    ConnectorChecks,
    ConnectorHostKeys,
    ConnectorLookup,
    ConnectorOperationsService,
    ConnectorTestsService,
    ConnectorValidation,
    PlatformConnectorRunner,
    PlatformSecrets,
  ],
  exports: [ConnectorsService],
})
export class ConnectorsModule {}
