import IORedis from 'ioredis';
import { Client } from 'pg';
import type { Stack } from './stack';

/**
 * Searches everything a run left behind for planted secret values (canaries), in every form a leak takes:
 * raw, base64 (standard and url-safe), hex (both cases) and URL-encoded. Findings name where, which canary
 * and which form, never the value itself (a failing test must not print the secret it protects).
 */
export class CanaryScan {
  readonly findings: string[] = [];
  private readonly forms: Array<{ label: string; form: string; text: string }>;

  constructor(canaries: Record<string, string>) {
    this.forms = Object.entries(canaries).flatMap(([label, value]) => {
      const bytes = Buffer.from(value, 'utf8');
      const forms = {
        raw: value,
        base64: bytes.toString('base64'),
        base64url: bytes.toString('base64url'),
        hex: bytes.toString('hex'),
        HEX: bytes.toString('hex').toUpperCase(),
        'url-encoded': encodeURIComponent(value),
      };
      return Object.entries(forms).map(([form, text]) => ({ label, form, text }));
    });
  }

  /** Scans one text (a log, a response body, a row). */
  text(where: string, text: string): void {
    for (const { label, form, text: needle } of this.forms) {
      if (text.includes(needle)) this.findings.push(`${where}: canary '${label}' (${form})`);
    }
  }

  /** Both processes' logs and every API response body the stack recorded. */
  stack(stack: Pick<Stack, 'responses' | 'controlPlane' | 'delegate'>): void {
    this.text('control-plane log', stack.controlPlane.output);
    this.text('delegate log', stack.delegate.output);
    stack.responses.forEach((body, i) => this.text(`API response #${i}`, body));
  }

  /** Every row of every table outside PostgreSQL's own schemas, as JSON, except the columns named in `exempt`. */
  async postgres(url: string, exempt: Record<string, string[]> = {}): Promise<{ tables: number; rows: number }> {
    const client = new Client({ connectionString: url });
    await client.connect();
    let rows = 0;
    try {
      const tables = (
        await client.query<{ schema: string; name: string }>(
          `SELECT schemaname AS schema, tablename AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
        )
      ).rows;
      for (const { schema, name } of tables) {
        const without = (exempt[`${schema}.${name}`] ?? []).map((column) => ` - '${column}'`).join('');
        const result = await client.query<{ row: string }>(`SELECT (to_jsonb(t)${without})::text AS row FROM "${schema}"."${name}" t`);
        for (const { row } of result.rows) this.text(`PostgreSQL ${schema}.${name}`, row);
        rows += result.rows.length;
      }
      return { tables: tables.length, rows };
    } finally {
      await client.end();
    }
  }

  /** Every key under `prefix:` with its value, whatever the Redis type (BullMQ keeps job data in hashes). */
  async redis(url: string, prefix: string): Promise<number> {
    const redis = new IORedis(url, { lazyConnect: true });
    await redis.connect();
    let keys = 0;
    try {
      for await (const batch of redis.scanStream({ match: `${prefix}:*`, count: 500 })) {
        for (const key of batch as string[]) {
          keys++;
          const type = await redis.type(key);
          const value =
            type === 'string'
              ? await redis.get(key)
              : type === 'hash'
                ? await redis.hgetall(key)
                : type === 'list'
                  ? await redis.lrange(key, 0, -1)
                  : type === 'set'
                    ? await redis.smembers(key)
                    : type === 'zset'
                      ? await redis.zrange(key, 0, -1)
                      : type === 'stream'
                        ? await redis.xrange(key, '-', '+')
                        : null;
          this.text(`Redis ${key}`, `${key} ${JSON.stringify(value)}`);
        }
      }
      return keys;
    } finally {
      redis.disconnect();
    }
  }
}
