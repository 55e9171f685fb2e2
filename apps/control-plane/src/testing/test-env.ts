import type { NestExpressApplication } from '@nestjs/platform-express';
import IORedis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../app';
import { loadConfig } from '../config/config';
import { DelegateTokenService } from '../delegates/delegate-token.service';
import { AccountEntity } from '../scopes/scope.entities';
import { BootstrapService } from '../scopes/bootstrap.service';

/** The real PostgreSQL and Redis the suite runs against (see .ci/run); overridable for other machines. */
export const TEST_POSTGRES_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const uniqueSuffix = () => `${process.pid}_${randomBytes(4).toString('hex')}`;

/** A database of its own for one test file, so concurrent runs never see each other's rows. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `conduit_test_${uniqueSuffix()}`;
  const admin = new Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Deletes every Redis key under a prefix (the test's own namespace). */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new IORedis(TEST_REDIS_URL, { lazyConnect: true });
  await redis.connect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

export interface TestControlPlane {
  app: NestExpressApplication;
  url: string;
  home: string;
  adminApiKey: string;
  dataSource: DataSource;
  /** Creates a delegate token at account scope and returns it. */
  createDelegateToken(name?: string): Promise<string>;
  /** Creates another account (with its default org and project) and returns its admin's API key. */
  createAccount(identifier: string): Promise<string>;
  /** Another replica on the same database and queue (its own port and home); closed with this one. */
  startReplica(env?: Record<string, string>): Promise<{ app: NestExpressApplication; url: string }>;
  close(): Promise<void>;
}

/**
 * The real control plane (same module graph as production) on a loopback port, its own database and,
 * with queue 'redis', its own Redis key prefix.
 */
export async function startTestControlPlane(
  options: { queue?: 'redis' | 'postgres'; env?: Record<string, string> } = {},
): Promise<TestControlPlane> {
  const database = await createTestDatabase();
  const home = await mkdtemp(path.join(os.tmpdir(), 'conduit-test-'));
  const prefix = `conduit-test-${uniqueSuffix()}`;
  const environment = {
    DATABASE_URL: database.url,
    CONDUIT_HOME: home,
    LOG_LEVEL: 'silent',
    DELEGATE_HEARTBEAT_INTERVAL_MS: '200',
    // The test process is also the control plane: allow for its event loop being busy.
    DELEGATE_MISSED_HEARTBEATS: '10',
    ...(options.queue === 'redis' ? { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix } : {}),
    ...options.env,
  };
  const app = await createApp({ config: loadConfig(environment), databaseUrl: database.url });
  const { adminApiKey } = await app.get(BootstrapService).bootstrap();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const dataSource = app.get(DataSource);
  const replicas: Array<{ app: NestExpressApplication; home: string }> = [];
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    home,
    adminApiKey: adminApiKey as string,
    dataSource,
    async createDelegateToken(name = 'test') {
      const account = await dataSource.getRepository(AccountEntity).findOneByOrFail({ identifier: 'default' });
      const { token } = await dataSource.transaction((manager) =>
        app.get(DelegateTokenService).create(manager, { accountId: account.id, name }),
      );
      return token;
    },
    async createAccount(identifier: string) {
      const { apiKey } = await dataSource.transaction((manager) => app.get(BootstrapService).createAccount(manager, identifier, identifier));
      return apiKey;
    },
    async startReplica(env = {}) {
      const replicaHome = await mkdtemp(path.join(os.tmpdir(), 'conduit-test-'));
      const replica = await createApp({ config: loadConfig({ ...environment, CONDUIT_HOME: replicaHome, ...env }), databaseUrl: database.url });
      replicas.push({ app: replica, home: replicaHome });
      await replica.listen(0, '127.0.0.1');
      return { app: replica, url: `http://127.0.0.1:${(replica.getHttpServer().address() as { port: number }).port}` };
    },
    async close() {
      for (const replica of replicas) {
        await replica.app.close();
        await rm(replica.home, { recursive: true, force: true });
      }
      await app.close();
      await database.drop();
      if (options.queue === 'redis') await dropRedisPrefix(prefix);
      await rm(home, { recursive: true, force: true });
    },
  };
}
