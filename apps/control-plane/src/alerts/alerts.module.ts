import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectorsModule } from '../connectors/connectors.module';
import { TasksModule } from '../tasks/tasks.module';
import { AlertRuleEntity } from './alert-rule.entity';
import { AlertFirings } from './alert-firings';
import { AlertRulesController } from './alert-rules.controller';
import { AlertRulesService } from './alert-rules.service';

@Module({
  imports: [TypeOrmModule.forFeature([AlertRuleEntity]), ConnectorsModule, TasksModule],
  controllers: [AlertRulesController],
  providers: [AlertRulesService, AlertFirings],
})
export class AlertsModule {}
