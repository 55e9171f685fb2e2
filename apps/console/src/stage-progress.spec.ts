import { stageProgress, type TaskEvent } from './stage-progress';

const progress = (
  attempt: number,
  seq: number,
  stage: string,
  status: string,
  durationMs: number | null = null,
): TaskEvent => ({
  attempt,
  seq,
  type: 'progress',
  stage,
  status,
  data: null,
  durationMs,
});

describe('stageProgress', () => {
  it('shows each stage once, with its latest status, in the order the stages started', () => {
    const events: TaskEvent[] = [
      progress(1, 3, 'authentication', 'succeeded', 12),
      progress(1, 1, 'validation', 'succeeded', 1),
      progress(1, 2, 'authentication', 'started'),
      { attempt: 1, seq: 4, type: 'log', stage: null, status: null, data: 'GET /api/v1/query', durationMs: null },
      progress(1, 5, 'connection', 'started'),
    ];
    expect(stageProgress(events)).toEqual([
      { stage: 'validation', status: 'succeeded', durationMs: 1, message: null },
      { stage: 'authentication', status: 'succeeded', durationMs: 12, message: null },
      { stage: 'connection', status: 'started', durationMs: null, message: null },
    ]);
  });

  it('forgets an earlier attempt once the task was re-run on another delegate', () => {
    expect(stageProgress([progress(1, 1, 'connection', 'failed'), progress(2, 1, 'validation', 'started')])).toEqual([
      { stage: 'validation', status: 'started', durationMs: null, message: null },
    ]);
    expect(stageProgress([])).toEqual([]);
  });
});
