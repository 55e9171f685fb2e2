import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ApiClient } from '../testing/api-client';
import { startTestControlPlane, TestControlPlane } from '../testing/test-env';

interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
}

const dashboard = JSON.parse(readFileSync(path.resolve(__dirname, '../../../../deploy/grafana/conduit.json'), 'utf8')) as Dashboard;

/** Names declared by `# TYPE name kind` lines of a scrape. */
const declared = (scrape: string) => new Map([...scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));

/** The metric a PromQL series name reads: a histogram's _bucket/_sum/_count belong to the histogram. */
function metricOf(series: string, types: Map<string, string>): string {
  const histogram = /^(.*)_(bucket|sum|count)$/.exec(series)?.[1];
  return histogram && types.get(histogram) === 'histogram' ? histogram : series;
}

describe('metrics (real PostgreSQL)', () => {
  let cp: TestControlPlane;
  let api: ApiClient;
  const scrape = async () => (await fetch(`${cp.url}/metrics`)).text();

  beforeAll(async () => {
    cp = await startTestControlPlane();
    api = new ApiClient(cp.url, cp.adminApiKey);
  });
  afterAll(() => cp?.close());

  it('exports every metric the Grafana dashboard (deploy/grafana/conduit.json) queries', async () => {
    const types = declared(await scrape());
    const queried = dashboard.panels.flatMap((panel) =>
      panel.targets.map((target) => {
        const series = [...target.expr.matchAll(/\b(conduit_[a-z0-9_]+)\b/g)].map((m) => m[1] as string);
        // Every expression reads at least one Conduit series, so a typo cannot hide behind another name.
        expect({ panel: panel.title, series: series.length > 0 }).toEqual({ panel: panel.title, series: true });
        return series.map((s) => ({ panel: panel.title, metric: metricOf(s, types) }));
      }),
    );
    expect(queried.flat().filter(({ metric }) => !types.has(metric))).toEqual([]);
    // The dashboard covers what operators asked for: tasks, latency, queue depth, refusals, delegates, connector statuses.
    for (const metric of ['conduit_tasks_finished_total', 'conduit_task_duration_seconds', 'conduit_tasks_in_flight', 'conduit_delegates_connected', 'conduit_connectors', 'conduit_alert_firings_total', 'conduit_tasks_rejected_total']) {
      expect(queried.flat().map((q) => q.metric)).toContain(metric);
    }
  });

  it('counts connectors by type and status from the database, so every replica reports the same numbers', async () => {
    const prometheus = (identifier: string) => ({ identifier, name: identifier, type: 'Prometheus', spec: { url: 'http://127.0.0.1:9/' } });
    for (const id of ['p1', 'p2', 'p3']) expect((await api.post('/v1/connectors', prometheus(id))).status).toBe(201);
    expect((await api.post('/v1/connectors', { identifier: 'hook', name: 'hook', type: 'Http', spec: { url: 'http://127.0.0.1:9/' } })).status).toBe(201);
    // A status change made by another replica lands in the database; this replica's next scrape sees it.
    await cp.dataSource.query(`UPDATE connectors SET status = 'FAILED' WHERE identifier = 'p1'`);
    await cp.dataSource.query(`UPDATE connectors SET status = 'ACTIVE' WHERE identifier = 'p2'`);
    const lines = (await scrape()).split('\n').filter((l) => l.startsWith('conduit_connectors{'));
    expect(lines.sort()).toEqual(
      [
        'conduit_connectors{type="Http",status="ACTIVE"} 0',
        'conduit_connectors{type="Http",status="FAILED"} 0',
        'conduit_connectors{type="Http",status="UNCONFIGURED"} 1',
        'conduit_connectors{type="Prometheus",status="ACTIVE"} 1',
        'conduit_connectors{type="Prometheus",status="FAILED"} 1',
        'conduit_connectors{type="Prometheus",status="UNCONFIGURED"} 1',
      ].sort(),
    );
  });
});
