import DataLoader from 'dataloader';
import { groupBy } from './group-by';

/**
 * Reads that arrive in the same turn of the event loop — concurrent requests presenting the same API key,
 * waiting on tasks, naming scopes — share one query (`= ANY($1)`, `unnest(…)`) instead of a round trip each.
 * The batch goes out on setImmediate, so requests read from different sockets in one poll phase join it; an
 * idle process pays one loop turn. Nothing is cached between batches: every load reads the database, so a
 * revoked key or a changed row is seen by the next request as before.
 *
 * `load` answers for every key, in the keys' order (undefined for a key with no row).
 */
export function coalesced<K, V>(load: (keys: readonly K[]) => Promise<ReadonlyArray<V | undefined>>, maxBatchSize = 500): DataLoader<K, V | undefined> {
  return new DataLoader<K, V | undefined>(load, { cache: false, maxBatchSize, batchScheduleFn: (dispatch) => setImmediate(dispatch) });
}

/** Rows of a batch query grouped under the key column they were selected by, in the keys' order. */
export function byKey<R, K extends string>(keys: readonly K[], rows: R[], keyOf: (row: R) => string): R[][] {
  const grouped = groupBy(rows, keyOf);
  return keys.map((key) => grouped.get(key) ?? []);
}

/**
 * A coalesced read whose SQL takes the keys as parallel arrays ($1, $2, … one per column), unnests them
 * `WITH ORDINALITY AS q(…, n)` and selects `q.n` with each row: the rows come back in the keys' order.
 */
export function coalescedByOrdinal<K, R>(
  query: (sql: string, params: unknown[]) => Promise<unknown>,
  sql: string,
  columns: Array<(key: K) => unknown>,
): DataLoader<K, R | undefined> {
  return coalesced<K, R>(async (keys) => {
    const rows = (await query(sql, columns.map((column) => keys.map(column)))) as Array<R & { n: string }>;
    const byOrdinal = new Map(rows.map((row) => [Number(row.n), row]));
    return keys.map((_, i) => byOrdinal.get(i + 1));
  });
}
