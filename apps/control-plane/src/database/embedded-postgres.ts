import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** A postgres:// URL on loopback, used exactly like an external DATABASE_URL. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite (PostgreSQL compiled to WASM, in this process) with its data under CONDUIT_HOME, served
 * on a loopback socket. Serving it over the wire protocol lets TypeORM and BullMQ's PostgreSQL backend
 * use their normal `pg` pools: PGlite's in-process adapter is a pool of one, which deadlocks as soon as
 * two clients (a transaction and a queue poll) want the database at once. The socket server multiplexes
 * clients onto PGlite's single session, so session settings are shared: the search path is set here
 * once, for everyone, instead of per connection.
 */
export async function startEmbeddedPostgres(home: string, queueSchema: string): Promise<EmbeddedPostgres> {
  const dataDir = path.join(home, 'pgdata');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const db = await PGlite.create({ dataDir });
  await db.exec(`CREATE SCHEMA IF NOT EXISTS "${queueSchema}"; SET search_path TO public, "${queueSchema}"`);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
