import 'reflect-metadata';
import { Logger as PinoLogger } from 'nestjs-pino';
import { createApp } from './app';
import { ConfigError, ConduitConfig, loadConfig } from './config/config';
import { EmbeddedPostgres, startEmbeddedPostgres } from './database/embedded-postgres';
import { QueueBackend, QueueUnavailableError } from './queue/queue-backend';
import { BootstrapService } from './scopes/bootstrap.service';

/** Exit code for configuration errors (sysexits EX_CONFIG): a supervisor should not restart-loop on it. */
const EXIT_CONFIG = 78;

async function main(): Promise<void> {
  let config: ConduitConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fatal(error.message);
    throw error;
  }

  let embedded: EmbeddedPostgres | undefined;
  if (!config.DATABASE_URL) embedded = await startEmbeddedPostgres(config.home, config.QUEUE_PG_SCHEMA);
  const databaseUrl = config.DATABASE_URL ?? (embedded as EmbeddedPostgres).url;

  let app;
  try {
    app = await createApp({ config, databaseUrl });
  } catch (error) {
    if (error instanceof QueueUnavailableError) fatal(error.message);
    throw error;
  }
  const logger = app.get(PinoLogger);
  // A background job's failure must not take the API down with it: log it with its cause and carry on.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection in a background job'));
  const bootstrap = app.get(BootstrapService);
  const first = await bootstrap.bootstrap();
  if (process.env['CONDUIT_LOCAL_DELEGATE'] === '1') await bootstrap.ensureLocalDelegateToken();

  await app.listen(config.PORT, config.HOST);
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`;
  logger.log(
    {
      url,
      database: embedded ? `embedded PGlite in ${config.home}/pgdata` : 'external PostgreSQL (DATABASE_URL)',
      queue: app.get(QueueBackend).describe(),
      adminApiKeyFile: first.adminApiKeyFile,
    },
    `conduit control plane listening on ${url}; queue backend: ${app.get(QueueBackend).describe()}`,
  );
  // Shown once, to a person at a terminal; never through the log stream.
  if (first.adminApiKey && process.stdout.isTTY) {
    process.stdout.write(`\nAdmin API key (shown once, also in ${first.adminApiKeyFile}):\n  ${first.adminApiKey}\n\n`);
  }

  const stop = async () => {
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

function fatal(message: string): never {
  process.stderr.write(`conduit control plane cannot start: ${message}\n`);
  process.exit(EXIT_CONFIG);
}

main().catch((error: unknown) => {
  process.stderr.write(`conduit control plane failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
