import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretsModule } from '../secrets/secrets.module';
import { TasksModule } from '../tasks/tasks.module';
import { ExecutionEntity } from './execution.entity';
import { ExecutionPlanner } from './execution-planner';
import { ExecutionsController } from './executions.controller';
import { ExecutionsService } from './executions.service';
import { PipelineEntity } from './pipeline.entity';
import { PipelinesController } from './pipelines.controller';
import { PipelinesService } from './pipelines.service';

@Module({
  imports: [TypeOrmModule.forFeature([PipelineEntity, ExecutionEntity]), TasksModule, SecretsModule],
  controllers: [PipelinesController, ExecutionsController],
  providers: [PipelinesService, ExecutionsService, ExecutionPlanner],
})
export class PipelinesModule {}
