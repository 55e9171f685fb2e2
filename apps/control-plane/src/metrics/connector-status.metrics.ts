import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsService } from './metrics.service';

const STATUSES = ['UNCONFIGURED', 'ACTIVE', 'FAILED'];

/**
 * Connectors by type and status, counted from the database at scrape time: every replica reports the same
 * truth (aggregate with max, not sum), and nothing has to be kept in step as statuses change. One GROUP BY.
 */
@Injectable()
export class ConnectorStatusMetrics {
  constructor(dataSource: DataSource, metrics: MetricsService) {
    new Gauge({
      name: 'conduit_connectors',
      help: 'Connectors by type and status (all replicas see the same counts)',
      labelNames: ['type', 'status'],
      registers: [metrics.registry],
      async collect() {
        const rows = (await dataSource.query(`SELECT type, status, count(*)::int AS n FROM connectors GROUP BY type, status`)) as Array<{ type: string; status: string; n: number }>;
        this.reset();
        // Zeros for a type's other statuses, so a panel shows a FAILED count dropping to 0 rather than vanishing.
        for (const type of new Set(rows.map((r) => r.type))) {
          for (const status of STATUSES) this.set({ type, status }, rows.find((r) => r.type === type && r.status === status)?.n ?? 0);
        }
      },
    });
  }
}
