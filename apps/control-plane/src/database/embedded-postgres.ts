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
  const server = new PGLiteSocketServer({ db: keepingExtendedQueriesWhole(db), host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** Extended-protocol messages that leave the session mid-query until the client's Sync. */
const EXTENDED_QUERY_MESSAGES = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));
const ENDS_QUERY = new Set(['S', 'Q'].map((c) => c.charCodeAt(0)));

/**
 * pglite-socket runs its clients' messages one at a time and keeps to one client only while a
 * transaction is open, so outside a transaction two clients' Parse/Bind/Execute/Sync sequences
 * interleave on the single session and one binds the other's unnamed statement ("bind message supplies
 * 1 parameters, but prepared statement "" requires 7"; electric-sql/pglite#1046). Its queue asks the
 * database `isInTransaction()` to decide; answering yes from a client's first extended-query message
 * until its Sync keeps each sequence whole. Remove when the upstream fix ships.
 */
function keepingExtendedQueriesWhole(db: PGlite): PGlite {
  let midQuery = false;
  return new Proxy(db, {
    get(target, property) {
      if (property === 'isInTransaction') return () => midQuery || target.isInTransaction();
      if (property === 'execProtocolRawStream') {
        return (message: Uint8Array, options: Parameters<PGlite['execProtocolRawStream']>[1]) => {
          const type = message[0] ?? 0;
          if (EXTENDED_QUERY_MESSAGES.has(type)) midQuery = true;
          else if (ENDS_QUERY.has(type)) midQuery = false;
          return target.execProtocolRawStream(message, options);
        };
      }
      if (property === 'exec') {
        // The queue's clean-up after a client left mid-query or mid-transaction: its sequence is over.
        return (query: string) => {
          midQuery = false;
          return target.exec(query);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
