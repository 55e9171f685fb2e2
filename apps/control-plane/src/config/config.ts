import { z } from 'zod';
import * as path from 'node:path';

const port = z.coerce.number().int().min(0).max(65535);
const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/** Every environment variable the control plane reads, validated once at start-up. */
export const ConfigSchema = z.object({
  PORT: port.default(7420),
  HOST: z.string().min(1).default('0.0.0.0'),
  CONDUIT_HOME: z.string().min(1).default('./.conduit'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  /** How delegates and people reach this control plane (used in install commands); defaults to http://127.0.0.1:PORT. */
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  /** How long a draining delegate (revoked token) may finish its running tasks. */
  DELEGATE_DRAIN_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** Key namespace in Redis; lets several installations (or test runs) share one Redis. */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_:-]{1,64}$/).default('conduit'),
  /** PostgreSQL schema for BullMQ's tables when the queue runs on PostgreSQL. */
  QUEUE_PG_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('bullmq'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Identifies this replica in the delegate registry; defaults to a random id per process. */
  REPLICA_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
  DELEGATE_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  /** A delegate silent for this many heartbeat intervals is considered gone. */
  DELEGATE_MISSED_HEARTBEATS: z.coerce.number().int().min(2).max(20).default(3),
  /**
   * Master keys for secrets that platform-run operations may open: `id:base64key` (32 bytes), comma-separated,
   * the first one current. Unset: one key is created in $CONDUIT_HOME/master-key on first start (fine for one
   * replica; replicas must share the same keys).
   */
  CONDUIT_MASTER_KEYS: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9+/_-]{43}=?(,[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9+/_-]{43}=?)*$/, 'must be id:base64key[,id:base64key…] with 32-byte keys')
    .optional(),
  /** How long a task's lease lasts without renewal; delegates renew every third of it. */
  TASK_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(15_000),
  /** How long an offered task may wait for its delegate's claim before it is routed elsewhere. */
  TASK_CLAIM_TIMEOUT_MS: z.coerce.number().int().min(200).max(120_000).default(5000),
  /** How often each replica looks for lost leases, unclaimed offers and queued tasks to route. */
  TASK_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(500),
  /**
   * Back-pressure: an account with this many tasks waiting for a delegate (queued or offered) gets 429 for new
   * ones, so producers slow down instead of queueing work that would wait for minutes.
   */
  TASK_BACKLOG_LIMIT: z.coerce.number().int().min(1).max(10_000_000).default(5000),
  /**
   * How often every connector in use is tested again; each connector has its own stable offset within the
   * interval, so checks are spread out rather than all at once.
   */
  CONNECTOR_VALIDATION_INTERVAL_MS: z.coerce.number().int().min(1000).max(604_800_000).default(1_800_000),
  /** A connector is in use when a pipeline references it, or a person tested or used it within this many days. */
  CONNECTOR_VALIDATION_IN_USE_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  /** Largest accepted HTTP request body. */
  HTTP_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i).default('1mb'),
  /** The web console's built files, served under /console/; defaults to apps/console/dist of this checkout. */
  CONSOLE_DIR: z.string().min(1).optional(),
});

export type ConduitConfig = z.infer<typeof ConfigSchema> & {
  /** CONDUIT_HOME, absolute. */
  home: string;
  /** CONSOLE_DIR, absolute. */
  consoleDir: string;
  queueBackend: 'redis' | 'postgres';
  databaseMode: 'external' | 'embedded';
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConduitConfig {
  // Empty strings are how shells unset things; treat them as unset.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const config = parsed.data;
  return {
    ...config,
    home: path.resolve(config.CONDUIT_HOME),
    // apps/control-plane/src/config → apps/console/dist (the same layout in the compiled image's dist/).
    consoleDir: path.resolve(config.CONSOLE_DIR ?? path.join(__dirname, '../../../console/dist')),
    queueBackend: config.REDIS_URL ? 'redis' : 'postgres',
    databaseMode: config.DATABASE_URL ? 'external' : 'embedded',
  };
}

/** Injection token for the validated configuration. */
export const CONFIG = Symbol('ConduitConfig');
