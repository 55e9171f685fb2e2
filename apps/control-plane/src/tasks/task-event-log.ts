import type { LogFrame, ProgressFrame } from '@conduit/protocol';
import type { DataSource } from 'typeorm';
import { BatchWriter } from '../common/batch-writer';

/** A progress or log frame as it arrived, with the delegate whose socket carried it. */
export interface ArrivedEvent {
  delegateId: string;
  frame: ProgressFrame | LogFrame;
}

/** The event columns a frame fills, and their unnest() parameters from a given position on. */
const EVENT_COLUMN_NAMES = ['seq', 'type', 'stream', 'stage', 'status', 'data', 'duration_ms'];
export const EVENT_COLUMNS = {
  names: EVENT_COLUMN_NAMES.join(', '),
  from: (n: number) => ['int', 'text', 'text', 'text', 'text', 'text', 'int'].map((type, i) => `$${n + i}::${type}[]`).join(', '),
  /** The names, each qualified by a table alias. */
  of: (alias: string) => EVENT_COLUMN_NAMES.map((name) => `${alias}.${name}`).join(', '),
};

/**
 * Progress and log frames on their way to `task_events`, written in batches (see BatchWriter): one statement
 * per batch checks each frame's lease against the task row (the fencing authority), moves claimed tasks to
 * running, and inserts the events of current leases only — instead of an UPDATE and an INSERT per frame.
 */
export class TaskEventLog {
  private readonly writer = new BatchWriter<ArrivedEvent>((batch) =>
    this.write(batch).catch(async () => {
      // One frame the database cannot take (a NUL in its text, a seq beyond int) must not cost the others
      // theirs: write them one by one, and report and drop only the ones refused.
      for (const event of batch) await this.write([event]).catch((error: unknown) => this.onError(error, event));
    }),
  );

  constructor(
    private readonly dataSource: DataSource,
    /** Frames whose lease was not current when written: the delegate is told they were refused. */
    private readonly onRefused: (event: ArrivedEvent) => void,
    /** A frame the database refused to store; it is dropped. */
    private readonly onError: (error: unknown, event: ArrivedEvent) => void,
  ) {}

  append(event: ArrivedEvent): void {
    this.writer.add(event);
  }

  /** Resolves once every frame appended so far is written (or refused). */
  written(): Promise<void> {
    return this.writer.flushed();
  }

  /**
   * The frames of one task under one lease not yet written, taken out so that its result writes them in its own
   * statement (a no-op task's whole run is then one write after the claim). Earlier frames of the task already
   * being written land first.
   */
  async takeForResult(taskId: string, delegateId: string, leaseId: string): Promise<ArrivedEvent[]> {
    const own = this.writer.take((e) => e.frame.taskId === taskId && e.delegateId === delegateId && e.frame.leaseId === leaseId);
    await this.writer.written((e) => e.frame.taskId === taskId);
    return own;
  }

  /** Columns of task_events for unnest(), in the order of EVENT_COLUMNS. */
  static columns(events: ArrivedEvent[]): unknown[] {
    const column = <T>(pick: (e: ArrivedEvent) => T) => events.map(pick);
    return [
      column((e) => e.frame.seq),
      column((e) => e.frame.type),
      column((e) => (e.frame.type === 'log' ? e.frame.stream : null)),
      column((e) => (e.frame.type === 'progress' ? e.frame.stage : null)),
      column((e) => (e.frame.type === 'progress' ? e.frame.status : null)),
      column((e) => (e.frame.type === 'log' ? e.frame.data : (e.frame.message ?? null))),
      column((e) => (e.frame.type === 'progress' ? (e.frame.durationMs ?? null) : null)),
    ];
  }

  private async write(batch: ArrivedEvent[]): Promise<void> {
    const rows = (await this.dataSource.query(
      `WITH frames AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], ${EVENT_COLUMNS.from(4)}) AS f(task_id, delegate_id, lease_id, ${EVENT_COLUMNS.names})
       ), current AS (
         UPDATE tasks t SET status = CASE WHEN t.status = 'claimed' THEN 'running' ELSE t.status END, started_at = COALESCE(t.started_at, now())
           FROM (SELECT DISTINCT task_id, delegate_id, lease_id FROM frames) l
          WHERE t.id = l.task_id AND t.delegate_id = l.delegate_id AND t.lease_id = l.lease_id AND t.status IN ('claimed', 'running')
          RETURNING t.id, t.attempt, t.delegate_id, t.lease_id
       ), inserted AS (
         INSERT INTO task_events (task_id, attempt, ${EVENT_COLUMNS.names})
         SELECT f.task_id, c.attempt, ${EVENT_COLUMNS.names}
           FROM frames f JOIN current c ON c.id = f.task_id AND c.delegate_id = f.delegate_id AND c.lease_id = f.lease_id
         ON CONFLICT DO NOTHING
       )
       SELECT id AS task_id, delegate_id, lease_id FROM current`,
      [batch.map((e) => e.frame.taskId), batch.map((e) => e.delegateId), batch.map((e) => e.frame.leaseId), ...TaskEventLog.columns(batch)],
    )) as Array<{ task_id: string; delegate_id: string; lease_id: string }>;
    const current = new Set(rows.map((r) => `${r.task_id}/${r.delegate_id}/${r.lease_id}`));
    for (const event of batch) if (!current.has(`${event.frame.taskId}/${event.delegateId}/${event.frame.leaseId}`)) this.onRefused(event);
  }
}
