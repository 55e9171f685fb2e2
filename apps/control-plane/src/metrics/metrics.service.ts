import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The control plane's Prometheus registry; domains register their own gauges and counters on it. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly tasksFinished: Counter<'kind' | 'status'>;
  /** From queued to finished: what a caller waiting on the task experiences. */
  readonly taskDuration: Histogram<'kind' | 'status'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'conduit_' });
    this.httpDuration = new Histogram({
      name: 'conduit_http_request_duration_seconds',
      help: 'HTTP request latency by route template',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.tasksFinished = new Counter({
      name: 'conduit_tasks_finished_total',
      help: 'Tasks that reached a terminal state, by kind and status',
      labelNames: ['kind', 'status'],
      registers: [this.registry],
    });
    this.taskDuration = new Histogram({
      name: 'conduit_task_duration_seconds',
      help: 'Time from queued to finished, by kind and status',
      labelNames: ['kind', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [this.registry],
    });
  }
}
