import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, RunningProcess, waitFor } from './processes';

/**
 * PostgreSQL and Redis servers of a test's own, on random loopback ports, for tests that stop, kill or
 * restart them. The machine's shared instances are never touched: other test runs depend on them.
 */

const PG_BIN = path.join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().at(-1) ?? '', 'bin');

/** initdb refuses root; as root the cluster belongs to the postgres user. */
function asPostgres(command: string, args: string[]): void {
  const bin = path.join(PG_BIN, command);
  if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { stdio: 'pipe' });
  else execFileSync(bin, args, { stdio: 'pipe' });
}

export interface OwnPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` of a fresh database on this server. */
  url: string;
  port: number;
  start(): void;
  /** A fast shutdown: every connection is terminated, as when the database host goes away. */
  stop(): void;
  destroy(): void;
}

export async function startOwnPostgres(database = 'conduit'): Promise<OwnPostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conduit-own-pg-'));
  chmodSync(dir, 0o755);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  const start = () =>
    asPostgres('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-o', `-k ${dir} -p ${port} -h 127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
  start();
  execFileSync(path.join(PG_BIN, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    port,
    start,
    stop: () => asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    destroy() {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface OwnRedis {
  url: string;
  /** kill -9: the port refuses connections until start(). */
  kill(): Promise<void>;
  /** Starts the server again on the same port; without persistence every key is gone. */
  start(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conduit-own-redis-'));
  let server: RunningProcess;
  const start = async () => {
    server = new RunningProcess(
      spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    await waitFor(async () => server.output.includes('Ready to accept connections'), 'redis-server', { process: server, timeoutMs: 10_000 });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill: () => server.stop('SIGKILL'),
    start,
    async restart() {
      await server.stop('SIGKILL');
      await start();
    },
    async stop() {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
