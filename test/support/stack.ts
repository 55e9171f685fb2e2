import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDatabase, freePort, REDIS_URL, runTs, RunningProcess, waitFor } from './processes';

type Json = Record<string, unknown>;

export interface Stack {
  port: number;
  home: string;
  databaseUrl: string;
  redisPrefix: string;
  apiKey: string;
  controlPlane: RunningProcess;
  /** The control plane's environment: another replica of it starts with this and its own PORT. */
  controlPlaneEnv: Record<string, string>;
  delegate: RunningProcess;
  /** Every response body seen, for leak checks. */
  responses: string[];
  /** JSON in and out; a string body is sent as YAML; `text` is the raw answer. */
  api(method: string, route: string, body?: unknown): Promise<{ status: number; body: Json; text: string }>;
  stop(): Promise<void>;
}

/**
 * A control plane (own database, own Redis prefix, own CONDUIT_HOME) and one delegate of its default
 * group, as processes, ready: the delegate connected and its group key registered.
 */
export async function startStack(options: { name: string; delegateEnv?: Record<string, string>; controlPlaneEnv?: Record<string, string> }): Promise<Stack> {
  const db = createDatabase();
  const home = await mkdtemp(path.join(os.tmpdir(), `conduit-e2e-${options.name}-`));
  const port = await freePort();
  const redisPrefix = `conduit-e2e-${options.name}-${process.pid}`;
  const controlPlaneEnv: Record<string, string> = {
    PORT: String(port),
    CONDUIT_HOME: home,
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    CONDUIT_LOCAL_DELEGATE: '1',
    LOG_LEVEL: 'info',
    ...options.controlPlaneEnv,
  };
  const controlPlane = runTs('apps/control-plane/src/main.ts', controlPlaneEnv);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 'control plane', { process: controlPlane });
  const apiKey = (await readFile(path.join(home, 'admin-api-key'), 'utf8')).trim();
  const responses: string[] = [];
  const api: Stack['api'] = async (method, route, body) => {
    const yaml = typeof body === 'string';
    const response = await fetch(`http://127.0.0.1:${port}${route}`, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'Content-Type': yaml ? 'application/yaml' : 'application/json' } : {}) },
      ...(body !== undefined ? { body: yaml ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    responses.push(text);
    let parsed: Json = {};
    try {
      parsed = JSON.parse(text) as Json;
    } catch {
      // plain text (logs) or YAML
    }
    return { status: response.status, body: parsed, text };
  };
  const delegate = runTs('apps/delegate/src/main.ts', {
    CONDUIT_URL: `http://127.0.0.1:${port}`,
    CONDUIT_DELEGATE_TOKEN_FILE: path.join(home, 'delegate-token'),
    DELEGATE_NAME: 'inside',
    DELEGATE_KEY_FILE: path.join(home, 'group.key'),
    ...options.delegateEnv,
  });
  await waitFor(async () => ((await api('GET', '/v1/delegate-groups')).body['items'] as unknown[]).length === 1, 'the delegate group key', { process: delegate });
  return {
    port,
    home,
    databaseUrl: db.url,
    redisPrefix,
    apiKey,
    controlPlane,
    controlPlaneEnv,
    delegate,
    responses,
    api,
    async stop() {
      await delegate.stop();
      await controlPlane.stop();
      db.drop();
      await rm(home, { recursive: true, force: true });
    },
  };
}
