import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const POSTGRES_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A process under test with its output captured, so a failing test can show what it said. */
export class RunningProcess {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stops the process (and, when started detached, its whole group). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', group = false): Promise<void> {
    if (!this.alive) return;
    const pid = this.child.pid as number;
    try {
      process.kill(group ? -pid : pid, signal);
    } catch {
      return;
    }
    const timer = setTimeout(() => this.alive && process.kill(group ? -pid : pid, 'SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Runs a TypeScript entry point the way `npm start` does. */
export function runTs(entry: string, env: Record<string, string>, options: { detached?: boolean } = {}): RunningProcess {
  return new RunningProcess(
    spawn(process.execPath, ['-r', '@swc-node/register', entry], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    }),
  );
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  options: { timeoutMs?: number; process?: RunningProcess } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (options.process && !options.process.alive) {
      throw new Error(`process exited while waiting for ${what}:\n${options.process.output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${options.process ? `:\n${options.process.output.slice(-3000)}` : ''}`);
}

/** A database of its own on the test PostgreSQL server, created and dropped with the client tools. */
export function createDatabase(): { url: string; drop(): void } {
  const name = `conduit_e2e_${process.pid}_${randomBytes(4).toString('hex')}`;
  const server = new URL(POSTGRES_URL);
  const args = ['-h', server.hostname, '-p', server.port || '5432', '-U', server.username || 'postgres'];
  execFileSync('createdb', [...args, name]);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => execFileSync('dropdb', [...args, '--force', '--if-exists', name]) };
}

export async function getJson<T>(url: string, apiKey?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { headers: apiKey ? { Authorization: `Bearer ${apiKey}` } : {} });
  return { status: response.status, body: (await response.json()) as T };
}
