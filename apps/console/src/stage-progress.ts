/** A task's progress events (GET /v1/tasks/{id}/events) as one line per stage, for a live view. */
export interface TaskEvent {
  attempt: number;
  seq: number;
  type: 'progress' | 'log';
  stage: string | null;
  status: string | null;
  data: string | null;
  durationMs: number | null;
}

export interface StageProgress {
  stage: string;
  status: string;
  durationMs: number | null;
  message: string | null;
}

/** Stages in the order they started, each with its latest status; only the latest attempt counts. */
export function stageProgress(events: readonly TaskEvent[]): StageProgress[] {
  const attempt = Math.max(0, ...events.map((e) => e.attempt));
  const stages = new Map<string, StageProgress>();
  for (const e of [...events].filter((e) => e.attempt === attempt).sort((a, b) => a.seq - b.seq)) {
    if (e.type !== 'progress' || !e.stage || !e.status) continue;
    stages.set(e.stage, { stage: e.stage, status: e.status, durationMs: e.durationMs, message: e.data });
  }
  return [...stages.values()];
}
