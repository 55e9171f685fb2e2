import { Global, Module } from '@nestjs/common';
import { ConnectorStatusMetrics } from './connector-status.metrics';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Global()
@Module({ controllers: [MetricsController], providers: [MetricsService, ConnectorStatusMetrics], exports: [MetricsService] })
export class MetricsModule {}
