import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule, AppRuntime } from './app.module';
import { requireKnownContentType } from './common/content-type';
import { refuseNulCharacters } from './common/nul-characters';
import { assignRequestId } from './common/request-id';
import { serveConsole } from './console/console-static';
import { QueueBackend } from './queue/queue-backend';
import { TaskDispatcher } from './tasks/task-dispatcher';

/** Builds the control plane exactly as it serves: used by main.ts and by the integration tests. */
export async function createApp(runtime: AppRuntime): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(runtime), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(PinoLogger));
  app.use(assignRequestId);
  app.use(requireKnownContentType);
  const limit = runtime.config.HTTP_BODY_LIMIT;
  app.useBodyParser('json', { limit });
  app.useBodyParser('text', { limit, type: ['application/yaml', 'application/x-yaml', 'text/yaml'] });
  app.use(refuseNulCharacters);
  // Frames are parsed by the gateway against libs/protocol, not by Nest's {event, data} router.
  app.useWebSocketAdapter(new WsAdapter(app, { messageParser: () => undefined }));
  app.getHttpAdapter().getInstance().disable('x-powered-by');
  if (!serveConsole(app, runtime.config.consoleDir)) {
    app.get(PinoLogger).warn({ consoleDir: runtime.config.consoleDir }, 'the web console is not built (npx nx run console:build); /console/ answers 404');
  }

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Conduit control plane')
      .setDescription('Connectors, secrets, delegates and pipelines. Authenticate with `Authorization: Bearer <API key>`.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });

  await app.get(QueueBackend).connect();
  app.get(TaskDispatcher).start();
  return app;
}
