import { generateGroupKeyPair } from '@conduit/crypto';
import pino from 'pino';
import { DELEGATE_SOCKET_PATH } from '@conduit/protocol';
import { AGENT_VERSION, DelegateAgent } from './agent';
import { DelegateConfig, DelegateConfigError, loadDelegateConfig } from './config';
import { executorRegistry } from './tasks/executors';
import { inheritableEnvironment } from './tasks/secrets';
import { TaskRunner } from './tasks/runner';

/** `conduit-delegate keygen`: a new group key pair; the private key (PEM) on stdout, its public key on stderr. */
function keygen(): void {
  const pair = generateGroupKeyPair();
  process.stdout.write(pair.privateKey.endsWith('\n') ? pair.privateKey : `${pair.privateKey}\n`);
  process.stderr.write(`public key ${pair.publicKey} (key id ${pair.keyId})\n`);
}

async function main(): Promise<void> {
  if (process.argv[2] === 'keygen') return keygen();
  if (process.argv[2] !== undefined) {
    process.stderr.write(`usage: conduit-delegate [keygen]\n  (configured by environment variables; see README.md)\n`);
    process.exit(64);
  }
  let config: DelegateConfig;
  try {
    config = await loadDelegateConfig(process.env, DELEGATE_SOCKET_PATH);
  } catch (error) {
    if (error instanceof DelegateConfigError) {
      process.stderr.write(`conduit delegate cannot start: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  // Written synchronously: a delegate killed outright still leaves the record of every task it started and finished
  // (pino's default buffers, and a line could be lost while the result it describes had already been sent).
  const log = pino({ level: config.LOG_LEVEL, base: { delegate: config.DELEGATE_NAME } }, pino.destination({ dest: 1, sync: true }));
  const { groupKey } = config;
  if (groupKey === undefined) {
    log.warn('no group key (DELEGATE_KEY_FILE or DELEGATE_PRIVATE_KEY): this delegate cannot open secrets, and tasks that need them will fail');
  } else {
    if (groupKey.source === 'generated') log.info({ file: config.DELEGATE_KEY_FILE, keyId: groupKey.keyId }, 'created a new group key');
    if (groupKey.warning) log.warn(groupKey.warning);
  }
  // Metrics (and prom-client) only when something can scrape them: the health port.
  const metrics = config.DELEGATE_HEALTH_PORT !== undefined ? new (await import('./metrics')).DelegateMetrics() : undefined;
  const runner = new TaskRunner({
    capacity: config.DELEGATE_CAPACITY,
    // Read once at start: the only variables a manager connector may inherit from the delegate.
    executors: executorRegistry(inheritableEnvironment(process.env), { allowShell: config.DELEGATE_ALLOW_SHELL }),
    groupKey: groupKey ? { group: config.DELEGATE_GROUP, privateKey: groupKey.privateKey } : undefined,
    log,
    metrics: metrics ?? { taskFinished: () => undefined },
  });
  const agent = new DelegateAgent(config, log, { ...(groupKey ? { publicKey: groupKey.publicKey } : {}), tasks: runner });
  metrics?.watch(agent);
  log.info(
    {
      version: AGENT_VERSION,
      controlPlane: config.socketUrl,
      group: config.DELEGATE_GROUP,
      tags: config.DELEGATE_TAGS,
      capacity: config.DELEGATE_CAPACITY,
      taskKinds: runner.kinds,
      keyId: groupKey?.keyId ?? null,
    },
    'conduit delegate starting',
  );
  const health =
    config.DELEGATE_HEALTH_PORT !== undefined && metrics
      ? await (await import('./health-server')).startHealthServer(agent, metrics.registry, config.DELEGATE_HEALTH_PORT, config.DELEGATE_HEALTH_HOST)
      : undefined;
  agent.on('fatal', () => process.exit(77));
  // A drain asked for by the control plane ends the process just as SIGTERM does.
  agent.once('drained', () => {
    health?.close();
    process.exit(0);
  });
  agent.start();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal; exiting without waiting for running tasks');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, graceMs: config.DELEGATE_DRAIN_GRACE_MS, running: agent.running }, 'stopping');
    void agent.drain(config.DELEGATE_DRAIN_GRACE_MS, signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
