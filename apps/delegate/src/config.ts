import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import type { ClientOptions } from 'ws';
import { z } from 'zod';
import { proxySettingsFrom, socketConnectionOptions } from './connection-options';
import { DelegateName, DelegateTag } from '@conduit/protocol';
import { DelegateConfigError } from './config-error';
import { GroupKey, resolveGroupKey } from './group-key';

const tagList = z
  .string()
  .transform((value) => value.split(',').map((t) => t.trim()).filter(Boolean))
  .pipe(z.array(DelegateTag).max(64));

/**
 * The delegate's settings: environment variables, optionally on top of a YAML/JSON file named by
 * DELEGATE_CONFIG_FILE (same keys). The environment wins, so a Helm chart can override one value.
 */
export const DelegateConfigSchema = z
  .object({
    CONDUIT_URL: z
      .string()
      .refine((v) => /^(https?|wss?):\/\//.test(v) && URL.canParse(v), 'must be an http(s):// or ws(s):// URL'),
    CONDUIT_DELEGATE_TOKEN: z.string().min(1).optional(),
    CONDUIT_DELEGATE_TOKEN_FILE: z.string().min(1).optional(),
    DELEGATE_NAME: DelegateName.default(() => os.hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 128)),
    DELEGATE_GROUP: DelegateName.default('default'),
    DELEGATE_TAGS: tagList.default([]),
    DELEGATE_CAPACITY: z.coerce.number().int().min(1).max(10_000).default(4),
    /** Local port for /healthz and /metrics; unset means no local server. */
    DELEGATE_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    /** Address the health server listens on; loopback unless a probe must reach it from outside (0.0.0.0 in a pod). */
    DELEGATE_HEALTH_HOST: z.string().trim().min(1).max(255).default('127.0.0.1'),
    /**
     * The delegate group's private key (PKCS#8 PEM), kept in a file: created with mode 0600 on first start if
     * missing, so every later start (and every replica sharing the file) presents the same group key.
     */
    DELEGATE_KEY_FILE: z.string().min(1).optional(),
    /** The same key given inline (from a Kubernetes secret, say); an alternative to DELEGATE_KEY_FILE. */
    DELEGATE_PRIVATE_KEY: z.string().min(1).optional(),
    /** How long running tasks may take to finish on SIGTERM before they are cancelled. */
    /** Extra CA certificates (PEM file) trusted for the control plane's TLS, beside the system's. */
    DELEGATE_CA_FILE: z.string().min(1).optional(),
    DELEGATE_DRAIN_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
    /** Whether pipeline steps (the user's shell commands) may run here; off unless the operator says so. */
    DELEGATE_ALLOW_SHELL: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .refine((c) => c.CONDUIT_DELEGATE_TOKEN || c.CONDUIT_DELEGATE_TOKEN_FILE, {
    message: 'set CONDUIT_DELEGATE_TOKEN or CONDUIT_DELEGATE_TOKEN_FILE',
    path: ['CONDUIT_DELEGATE_TOKEN'],
  })
  .refine((c) => !(c.DELEGATE_KEY_FILE && c.DELEGATE_PRIVATE_KEY), {
    message: 'set DELEGATE_KEY_FILE or DELEGATE_PRIVATE_KEY, not both',
    path: ['DELEGATE_PRIVATE_KEY'],
  });

export type DelegateConfig = Omit<z.infer<typeof DelegateConfigSchema>, 'CONDUIT_DELEGATE_TOKEN_FILE' | 'DELEGATE_PRIVATE_KEY'> & {
  token: string;
  /** The control plane's delegate socket URL (ws:// or wss://). */
  socketUrl: string;
  /** The group key that opens this delegate's secrets; undefined when none is configured. */
  groupKey: GroupKey | undefined;
  /** How the socket reaches the control plane: proxy agent and extra CA, from the environment. */
  connection: Pick<ClientOptions, 'agent' | 'ca'>;
};

export { DelegateConfigError };

export async function loadDelegateConfig(env: NodeJS.ProcessEnv = process.env, socketPath: string): Promise<DelegateConfig> {
  const fromFile = env['DELEGATE_CONFIG_FILE'] ? await readConfigFile(env['DELEGATE_CONFIG_FILE']) : {};
  const fromEnv = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = DelegateConfigSchema.safeParse({ ...fromFile, ...fromEnv });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new DelegateConfigError(`invalid delegate configuration:\n${problems.join('\n')}`);
  }
  const { CONDUIT_DELEGATE_TOKEN_FILE: tokenFile, DELEGATE_PRIVATE_KEY: inlineKey, ...config } = parsed.data;
  const token = config.CONDUIT_DELEGATE_TOKEN ?? readTokenFile(tokenFile as string);
  const url = new URL(config.CONDUIT_URL);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/$/, '')}${socketPath}`;
  const groupKey = resolveGroupKey({ file: config.DELEGATE_KEY_FILE, pem: inlineKey });
  const ca = config.DELEGATE_CA_FILE ? readCaFile(config.DELEGATE_CA_FILE) : undefined;
  const connection = await socketConnectionOptions(url.toString(), proxySettingsFrom(env), ca);
  return { ...config, token, socketUrl: url.toString(), groupKey, connection };
}

function readCaFile(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DelegateConfigError(`DELEGATE_CA_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new DelegateConfigError(`DELEGATE_CA_FILE: ${file} holds no PEM certificate`);
  return pem;
}

async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DelegateConfigError(`DELEGATE_CONFIG_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  // The YAML parser (about 8 MiB resident) loads only for a delegate that has a config file.
  const { parse } = await import('yaml');
  const value: unknown = parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DelegateConfigError(`DELEGATE_CONFIG_FILE: ${file} must hold a mapping of setting names to values`);
  }
  // Numbers and lists in the file are accepted in their natural YAML form.
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : typeof v === 'number' ? String(v) : v]),
  );
}

function readTokenFile(file: string): string {
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token) return token;
  } catch (error) {
    throw new DelegateConfigError(`CONDUIT_DELEGATE_TOKEN_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  throw new DelegateConfigError(`CONDUIT_DELEGATE_TOKEN_FILE: ${file} is empty`);
}
