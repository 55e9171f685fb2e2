import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DelegateAgent } from './agent';
import type { TaskMetrics, TaskOutcome } from './tasks/runner';

/** The delegate's Prometheus metrics: process defaults, connection state and task counts and durations. */
export class DelegateMetrics implements TaskMetrics {
  readonly registry = new Registry();
  private readonly tasksTotal: Counter<'kind' | 'status'>;
  private readonly taskDuration: Histogram<'kind'>;
  private agent?: Pick<DelegateAgent, 'state' | 'running'>;

  constructor() {
    const registers = [this.registry];
    const agent = () => this.agent;
    collectDefaultMetrics({ register: this.registry, prefix: 'conduit_delegate_' });
    new Gauge({
      name: 'conduit_delegate_connected',
      help: '1 while connected to the control plane',
      registers,
      collect() {
        const state = agent()?.state;
        this.set(state === 'connected' || state === 'draining' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'conduit_delegate_tasks_running',
      help: 'Tasks running on this delegate now',
      registers,
      collect() {
        this.set(agent()?.running ?? 0);
      },
    });
    this.tasksTotal = new Counter({
      name: 'conduit_delegate_tasks_total',
      help: 'Tasks run to an end, by kind and status (lost: the lease was lost and no result was sent)',
      labelNames: ['kind', 'status'],
      registers,
    });
    this.taskDuration = new Histogram({
      name: 'conduit_delegate_task_duration_seconds',
      help: 'Time from a granted lease to the result, by kind',
      labelNames: ['kind'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600],
      registers,
    });
  }

  /** The agent whose connection state and running tasks the gauges report. */
  watch(agent: Pick<DelegateAgent, 'state' | 'running'>): void {
    this.agent = agent;
  }

  taskFinished(kind: string, outcome: TaskOutcome, seconds: number): void {
    this.tasksTotal.inc({ kind, status: outcome });
    this.taskDuration.observe({ kind }, seconds);
  }
}
