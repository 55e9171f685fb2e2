import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PipelineEntity } from './pipeline.entity';
import { PipelinesController } from './pipelines.controller';
import { PipelinesService } from './pipelines.service';

@Module({
  imports: [TypeOrmModule.forFeature([PipelineEntity])],
  controllers: [PipelinesController],
  providers: [PipelinesService],
})
export class PipelinesModule {}
