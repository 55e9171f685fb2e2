import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretsModule } from '../secrets/secrets.module';
import { TasksModule } from '../tasks/tasks.module';
import { ConnectorChecks } from './connector-checks';
import { ConnectorOperationsController } from './connector-operations.controller';
import { ConnectorOperationsService } from './connector-operations.service';
import { ConnectorTestsService } from './connector-tests.service';
import { ConnectorEntity } from './connector.entity';
import { ConnectorsController } from './connectors.controller';
import { ConnectorsService } from './connectors.service';

@Module({
  imports: [TypeOrmModule.forFeature([ConnectorEntity]), SecretsModule, TasksModule],
  controllers: [ConnectorsController, ConnectorOperationsController],
  providers: [ConnectorsService, ConnectorChecks, ConnectorTestsService, ConnectorOperationsService],
  exports: [ConnectorsService],
})
export class ConnectorsModule {}
