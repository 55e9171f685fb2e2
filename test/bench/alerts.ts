import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { createDatabase, freePort, runTs, waitFor } from '../support/processes';
import { measure, printTable, Sample } from './stats';

const CONNECTORS = 10_000;
const FIRINGS = 2_000;

/**
 * Monitoring's read paths at scale: a Prometheus scrape, whose connector-status gauge is counted from the
 * database on every scrape (10,000 connectors), and a rule's firing history (2,000 firings, each with its
 * notification tasks' statuses joined in). The floor is the same process answering /healthz.
 */
export async function benchAlerts(): Promise<Sample[]> {
  const db = createDatabase();
  const home = await mkdtemp(path.join(os.tmpdir(), 'conduit-bench-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = runTs('apps/control-plane/src/main.ts', { PORT: String(port), CONDUIT_HOME: home, DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
  const client = new Client({ connectionString: db.url });
  try {
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 'control plane', { process: server });
    const key = (await readFile(path.join(home, 'admin-api-key'), 'utf8')).trim();
    const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
    const hook = await fetch(`${url}/v1/connectors`, { method: 'POST', headers, body: JSON.stringify({ identifier: 'hook', name: 'hook', type: 'Http', spec: { url: 'http://127.0.0.1:9/' } }) });
    if (hook.status !== 201) throw new Error(`connector: ${hook.status}`);
    const rule = await fetch(`${url}/v1/alert-rules`, { method: 'POST', headers, body: JSON.stringify({ identifier: 'all', name: 'all', condition: { type: 'ConnectorStatusChange' }, notify: ['hook'] }) });
    if (rule.status !== 201) throw new Error(`rule: ${rule.status} ${await rule.text()}`);

    // Seeded in SQL: what is measured is reading them, not creating them.
    await client.connect();
    await client.query(
      `INSERT INTO connectors (account_id, identifier, name, type, category, spec, connectivity, status, created_by, updated_by)
       SELECT a.id, 'c_' || i, 'c ' || i, (ARRAY['Http', 'Prometheus', 'Github', 'Slack'])[1 + i % 4], 'Generic', '{}', 'delegate',
              (ARRAY['UNCONFIGURED', 'ACTIVE', 'FAILED'])[1 + i % 3], 'bench', 'bench'
         FROM accounts a, generate_series(1, $1) i`,
      [CONNECTORS],
    );
    await client.query(
      `WITH t AS (
         INSERT INTO tasks (id, account_id, kind, mutating, payload, secret_refs, selectors, status, max_attempts, timeout_ms, deadline_at, created_by)
         SELECT gen_random_uuid(), a.id, 'notification.send', true, '{}', '[]', '[]', 'succeeded', 1, 60000, now(), 'bench' FROM accounts a, generate_series(1, $1)
         RETURNING id)
       INSERT INTO alert_firings (rule_id, subject, dedup_key, status, event, notifications, fired_at)
       SELECT r.id, 'connector:x', 'check:' || t.id, 'sent', '{"title":"Connector x is FAILED"}', jsonb_build_array(jsonb_build_object('connector', 'hook', 'taskId', t.id)), now()
         FROM t, alert_rules r`,
      [FIRINGS],
    );

    const get = (route: string) => async () => {
      const response = await fetch(`${url}${route}`, { headers });
      if (!response.ok) throw new Error(`${route}: ${response.status}`);
      await response.arrayBuffer();
    };
    const floor = await measure('floor: GET /healthz (same process)', 300, get('/healthz'));
    const samples = [
      await measure(`GET /metrics (${CONNECTORS} connectors counted by type and status)`, 300, get('/metrics')),
      await measure('direct SQL: the connector count alone', 300, () => client.query(`SELECT type, status, count(*)::int AS n FROM connectors GROUP BY type, status`)),
      await measure(`GET /v1/alert-rules/all/firings (50 of ${FIRINGS}, task statuses joined)`, 300, get('/v1/alert-rules/all/firings')),
      await measure('… limit=500', 100, get('/v1/alert-rules/all/firings?limit=500')),
    ];
    printTable('monitoring read paths (the scrape runs on every replica; its gauge is computed, not kept)', [floor, ...samples], floor);
    return [floor, ...samples];
  } finally {
    await client.end().catch(() => undefined);
    await server.stop();
    db.drop();
    await rm(home, { recursive: true, force: true });
  }
}
