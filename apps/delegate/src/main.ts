import pino from 'pino';
import { DELEGATE_SOCKET_PATH } from '@conduit/protocol';
import { AGENT_VERSION, DelegateAgent } from './agent';
import { DelegateConfigError, loadDelegateConfig } from './config';
import { startHealthServer } from './health-server';

async function main(): Promise<void> {
  let config;
  try {
    config = loadDelegateConfig(process.env, DELEGATE_SOCKET_PATH);
  } catch (error) {
    if (error instanceof DelegateConfigError) {
      process.stderr.write(`conduit delegate cannot start: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const log = pino({ level: config.LOG_LEVEL, base: { delegate: config.DELEGATE_NAME } });
  const agent = new DelegateAgent(config, log);
  log.info(
    { version: AGENT_VERSION, controlPlane: config.socketUrl, group: config.DELEGATE_GROUP, tags: config.DELEGATE_TAGS },
    'conduit delegate starting',
  );
  const health = config.DELEGATE_HEALTH_PORT !== undefined ? await startHealthServer(agent, config.DELEGATE_HEALTH_PORT) : undefined;
  agent.on('fatal', () => process.exit(77));
  agent.start();

  const stop = async (signal: string) => {
    log.info({ signal }, 'stopping');
    await agent.stop();
    health?.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

void main();
