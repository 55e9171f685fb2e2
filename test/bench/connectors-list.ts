import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { createDatabase, freePort, runTs, waitFor } from '../support/processes';
import { measure, printTable, Sample } from './stats';

const PROJECTS = 100;
const PER_PROJECT = 100;
const TYPES = ['Prometheus', 'Http', 'Github'];

function connector(p: number, i: number) {
  const type = TYPES[i % TYPES.length] as string;
  const spec =
    type === 'Github'
      ? { url: `https://github.com/org${p}`, type: 'Account', validationRepo: 'a/b', authentication: { type: 'Http', spec: { type: 'UsernameToken', spec: { username: 'bot', tokenRef: 'account.tok' } } } }
      : type === 'Http'
        ? { url: `https://svc${i}.p${p}.internal/health`, method: 'GET' }
        : { url: `https://prom${i}.p${p}.internal:9090/` };
  return { identifier: `c_${i}`, name: `Connector ${i} of project ${p}`, type, tags: { env: i % 2 ? 'prod' : 'dev', team: `t${i % 5}` }, spec };
}

/**
 * Issue 3's list benchmark: 10,000 connectors in 100 projects, listed with filters through the API;
 * the floor is the same process answering /healthz (HTTP + framework, no database), measured in the run.
 */
export async function benchConnectorList(): Promise<Sample[]> {
  const db = createDatabase();
  const home = await mkdtemp(path.join(os.tmpdir(), 'conduit-bench-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = runTs('apps/control-plane/src/main.ts', { PORT: String(port), CONDUIT_HOME: home, DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
  try {
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 'control plane', { process: server });
    const key = (await readFile(path.join(home, 'admin-api-key'), 'utf8')).trim();
    const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
    const post = async (route: string, body: unknown) => {
      const response = await fetch(`${url}${route}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (response.status !== 201) throw new Error(`${route}: ${response.status} ${await response.text()}`);
    };
    for (let p = 0; p < PROJECTS; p++) await post('/v1/organizations/default/projects', { identifier: `p${p}`, name: `Project ${p}` });
    const jobs: Array<() => Promise<void>> = [];
    for (let p = 0; p < PROJECTS; p++) for (let i = 0; i < PER_PROJECT; i++) jobs.push(() => post(`/v1/connectors?org=default&project=p${p}`, connector(p, i)));
    const started = Date.now();
    await Promise.all(Array.from({ length: 8 }, async () => { for (let job = jobs.shift(); job; job = jobs.shift()) await job(); }));
    console.log(`seeded ${PROJECTS * PER_PROJECT} connectors through the API in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const get = (route: string) => async () => {
      const response = await fetch(`${url}${route}`, { headers });
      if (!response.ok) throw new Error(`${route}: ${response.status}`);
      await response.arrayBuffer();
    };
    const project = (i: number) => `/v1/connectors?org=default&project=p${i % PROJECTS}`;
    let i = 0;
    const floor = await measure('floor: GET /healthz (same process)', 500, get('/healthz'));
    const samples = [
      await measure('list a project (50 of 100)', 500, () => get(project(i++))()),
      await measure('… with parent scopes', 500, () => get(`${project(i++)}&includeParentScopes=true`)()),
      await measure('… type=Github', 500, () => get(`${project(i++)}&type=Github`)()),
      await measure('… tag=env:prod&tag=team:t3', 500, () => get(`${project(i++)}&tag=env:prod&tag=team:t3`)()),
      await measure('… search=Connector 4', 500, () => get(`${project(i++)}&search=Connector%204`)()),
      await measure('… category=Observability, limit 200', 500, () => get(`${project(i++)}&category=Observability&limit=200`)()),
    ];
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const sql = await measure('direct SQL: same page, no API', 500, () =>
      client.query(
        `SELECT * FROM connectors c JOIN projects p ON p.id = c.project_id WHERE p.identifier = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT 51`,
        [`p${i++ % PROJECTS}`],
      ),
    );
    await client.end();
    printTable(`connector list over ${PROJECTS * PER_PROJECT} connectors in ${PROJECTS} projects (target p99 <= 20 ms at the API)`, [floor, sql, ...samples], floor);
    return [floor, sql, ...samples];
  } finally {
    await server.stop();
    db.drop();
    await rm(home, { recursive: true, force: true });
  }
}
