import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createPostgresBackend, IQueueBackend, JobProgress, PostgresPoolConfig, Processor, Queue, Worker, WorkerOptions } from 'bullmq';
import IORedis from 'ioredis';
import { CONFIG, ConduitConfig } from '../config/config';
import { DATABASE_URL } from '../database/database.tokens';
import { redactUrl } from '../common/redact';

/** Queues and workers on either backend, as the rest of the control plane sees them. */
/* eslint-disable @typescript-eslint/no-explicit-any -- job payloads are typed by each queue's producer and processor */
export type TaskQueue = Queue<any, any, string, any, any, string, IQueueBackend, any>;
export type TaskWorker = Worker<any, any, string, IQueueBackend, JobProgress, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */
export type WorkerSettings = Partial<Omit<WorkerOptions, 'connection' | 'prefix'>>;

/** The queue backend cannot be reached: at start-up a configuration problem, while serving a 503. */
export class QueueUnavailableError extends Error {}

const HOW_TO_START_REDIS =
  'start it with `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`, ' +
  'or unset REDIS_URL to queue on PostgreSQL instead';

/**
 * The one place that talks to BullMQ. Queues and workers run on Redis when REDIS_URL is set, otherwise
 * on BullMQ's PostgreSQL backend in the control plane's own database, so a fresh install needs nothing
 * but `npm start`.
 */
@Injectable()
export class QueueBackend implements OnApplicationShutdown {
  private readonly logger = new Logger(QueueBackend.name);
  private readonly closables: Array<{ close(): Promise<void> }> = [];
  /** Workers' connection: blocking reads wait out a Redis restart (BullMQ requires maxRetriesPerRequest: null). */
  private redis?: IORedis;
  /**
   * Producers' connection: fails a command at once while Redis is unreachable instead of holding it (and the
   * HTTP request behind it) until Redis is back.
   */
  private producer?: IORedis;
  private health?: TaskQueue;
  readonly kind: 'redis' | 'postgres';

  constructor(
    @Inject(CONFIG) private readonly config: ConduitConfig,
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
  ) {
    this.kind = config.queueBackend;
  }

  /** Connects (and, on PostgreSQL, migrates BullMQ's schema); fails with a message saying how to fix it. */
  async connect(): Promise<void> {
    if (this.kind === 'redis') {
      const url = this.config.REDIS_URL as string;
      // BullMQ needs maxRetriesPerRequest: null on connections that block.
      this.redis = new IORedis(url, { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: 5000 });
      this.producer = new IORedis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, connectTimeout: 5000 });
      for (const connection of [this.redis, this.producer]) connection.on('error', () => undefined); // surfaced through readiness, not as unhandled errors
      try {
        await Promise.all([this.redis.connect(), this.producer.connect()]);
        await this.producer.ping();
      } catch (error) {
        this.redis.disconnect();
        this.producer.disconnect();
        throw new QueueUnavailableError(
          `REDIS_URL: Redis at ${redactUrl(url)} is not reachable (${(error as Error).message}); ${HOW_TO_START_REDIS}`,
        );
      }
    }
    // Creating the first queue initialises the backend (and BullMQ's schema on PostgreSQL).
    this.health = this.queue('conduit-health');
    await this.health.waitUntilReady();
    this.logger.log(`queue backend: ${this.describe()}`);
  }

  describe(): string {
    return this.kind === 'redis'
      ? `redis (BullMQ on ${redactUrl(this.config.REDIS_URL as string)}, key prefix "${this.config.REDIS_PREFIX}")`
      : `postgres (BullMQ's PostgreSQL backend, schema "${this.config.QUEUE_PG_SCHEMA}" in the ${this.config.databaseMode} database)`;
  }

  queue(name: string): TaskQueue {
    const queue: TaskQueue = this.producer
      ? new Queue(name, { connection: this.producer, prefix: this.config.REDIS_PREFIX })
      : new Queue(name, { connection: this.postgresConnection() }, createPostgresBackend);
    queue.on('error', (error) => this.logger.warn({ err: error, queue: name }, 'queue error'));
    this.closables.push(queue);
    return queue;
  }

  worker(name: string, processor: Processor, opts: WorkerSettings = {}): TaskWorker {
    // Through the embedded database LISTEN/NOTIFY does not arrive, so an idle worker re-checks often.
    const drainDelay = this.kind === 'postgres' && this.config.databaseMode === 'embedded' ? 0.05 : undefined;
    const settings = { ...(drainDelay ? { drainDelay } : {}), ...opts };
    const worker: TaskWorker = this.redis
      ? new Worker(name, processor, { connection: this.redis, prefix: this.config.REDIS_PREFIX, ...settings })
      : new Worker(name, processor, { connection: this.postgresConnection(), ...settings }, createPostgresBackend);
    worker.on('error', (error) => this.logger.warn({ err: error, queue: name }, 'worker error'));
    this.closables.push(worker);
    return worker;
  }

  /**
   * False while the Redis connection is down. A queue first used then would wait for Redis to come back
   * (BullMQ waits for a shared connection to be ready), so callers check this to fail fast instead.
   */
  get connected(): boolean {
    return this.producer === undefined || this.producer.status === 'ready';
  }

  /** Readiness: a real round trip to the queue backend. */
  async ping(): Promise<void> {
    if (this.producer) {
      await this.producer.ping();
      return;
    }
    await this.health?.getJobCounts('waiting');
  }

  private postgresConnection(): PostgresPoolConfig {
    return { connectionString: this.databaseUrl, schema: this.config.QUEUE_PG_SCHEMA, migrate: true };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.closables.reverse().map((c) => c.close()));
    this.redis?.disconnect();
    this.producer?.disconnect();
  }
}
