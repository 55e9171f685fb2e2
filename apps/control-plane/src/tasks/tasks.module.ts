import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DelegatesModule } from '../delegates/delegates.module';
import { SecretsModule } from '../secrets/secrets.module';
import { TaskEntity } from './task.entity';
import { TaskAdmission } from './task-admission';
import { TaskDispatcher } from './task-dispatcher';
import { TaskEvents } from './task-events';
import { TaskSecrets } from './task-secrets';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [TypeOrmModule.forFeature([TaskEntity]), DelegatesModule, SecretsModule],
  controllers: [TasksController],
  providers: [TasksService, TaskAdmission, TaskDispatcher, TaskEvents, TaskSecrets],
  exports: [TasksService, TaskAdmission, TaskDispatcher, TaskEvents],
})
export class TasksModule {}
