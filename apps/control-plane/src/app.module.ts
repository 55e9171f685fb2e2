import { DynamicModule, Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { accessLogOptions } from './common/access-log';
import { AlertsModule } from './alerts/alerts.module';
import { DomainEventsModule } from './alerts/domain-events';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ConnectorsModule } from './connectors/connectors.module';
import { ErrorFilter } from './common/error.filter';
import { CONFIG, ConduitConfig } from './config/config';
import { dataSourceOptions, openDataSource } from './database/data-source';
import { DATABASE_URL } from './database/database.tokens';
import { DelegatesModule } from './delegates/delegates.module';
import { HealthController } from './health/health.controller';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsModule } from './metrics/metrics.module';
import { QueueBackend } from './queue/queue-backend';
import { PipelinesModule } from './pipelines/pipelines.module';
import { SecretsModule } from './secrets/secrets.module';
import { TasksModule } from './tasks/tasks.module';
import { REPLICA_ID, replicaIdFrom } from './replica';
import { BootstrapService } from './scopes/bootstrap.service';
import { ScopesModule } from './scopes/scopes.module';

export interface AppRuntime {
  config: ConduitConfig;
  /** The database to use: DATABASE_URL, or the embedded server's loopback URL. */
  databaseUrl: string;
}

/** Configuration, database URL, replica id and queue backend: available to every module. */
@Global()
@Module({})
class RuntimeModule {
  static register(runtime: AppRuntime): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [
        { provide: CONFIG, useValue: runtime.config },
        { provide: DATABASE_URL, useValue: runtime.databaseUrl },
        { provide: REPLICA_ID, useValue: replicaIdFrom(runtime.config) },
        QueueBackend,
      ],
      exports: [CONFIG, DATABASE_URL, REPLICA_ID, QueueBackend],
    };
  }
}

@Module({})
export class AppModule implements NestModule {
  static register(runtime: AppRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.register(runtime),
        LoggerModule.forRoot({
          pinoHttp: accessLogOptions(runtime.config.LOG_LEVEL),
        }),
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(runtime.databaseUrl),
          dataSourceFactory: () => openDataSource(runtime.databaseUrl),
        }),
        TerminusModule.forRoot({ logger: false }),
        MetricsModule,
        DomainEventsModule,
        ScopesModule,
        AuditModule,
        AuthModule,
        DelegatesModule,
        ConnectorsModule,
        PipelinesModule,
        SecretsModule,
        TasksModule,
        AlertsModule,
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_FILTER, useClass: ErrorFilter }, BootstrapService],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
