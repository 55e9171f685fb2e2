import type { ExecutionStreamEvent, ExecutionView } from '../api/views';
import { ProgressPrinter, summaryLines } from './summary';

const execution = (over: Partial<ExecutionView>): ExecutionView => ({ id: 'e1', pipeline: 'build', status: 'succeeded', stages: [], error: null, ...over });

describe('summaryLines', () => {
  it('names the outcome, then each stage and its steps with their exit codes', () => {
    expect(
      summaryLines(
        execution({
          stages: [
            { name: 'Build', type: 'ci', status: 'succeeded', attempts: 1, error: null, target: null, steps: [{ name: 'greet', status: 'succeeded', exitCode: 0, durationMs: 12 }] },
            { name: 'Deploy', type: 'deploy', status: 'succeeded', attempts: 2, error: null, target: null, steps: [] },
          ],
        }),
      ),
    ).toEqual(['run e1 of pipeline build: succeeded', '  ✓ stage Build (ci): succeeded', '    ✓ step greet: succeeded, exit code 0, 12 ms', '  ✓ stage Deploy (deploy): succeeded (2 attempts)']);
  });

  it('lists each step’s six lifecycle phases with their times, or whether they were reused or skipped', () => {
    const phases = [
      { phase: 'resolution', status: 'succeeded', durationMs: 1 },
      { phase: 'validation', status: 'succeeded', durationMs: 0 },
      { phase: 'authentication', status: 'reused', durationMs: 0 },
      { phase: 'connection', status: 'reused', durationMs: 0 },
      { phase: 'operation', status: 'failed', durationMs: 40 },
      { phase: 'monitoring', status: 'skipped', durationMs: 0 },
    ];
    const lines = summaryLines(execution({ stages: [{ name: 'Build', type: 'ci', status: 'succeeded', attempts: 1, error: null, target: null, steps: [{ name: 'test', status: 'succeeded', exitCode: 0, durationMs: 41, phases }] }] }));
    expect(lines[3]).toBe('      resolution 1 ms · validation 0 ms · authentication reused · connection reused · operation failed after 40 ms · monitoring skipped');
  });

  it('shows a failed step’s exit code, the stage error once, and skipped steps and stages', () => {
    const lines = summaryLines(
      execution({
        status: 'failed',
        error: { code: 'STAGE_FAILED', message: "stage 'Build' failed: step 'boom' exited with 3" },
        stages: [
          {
            name: 'Build',
            type: 'ci',
            status: 'failed',
            attempts: 1,
            target: null,
            error: { code: 'STEP_FAILED', message: "step 'boom' exited with 3" },
            steps: [
              { name: 'boom', status: 'failed', exitCode: 3, durationMs: 4 },
              { name: 'after', status: 'skipped', exitCode: null, durationMs: 0 },
            ],
          },
          { name: 'Deploy', type: 'deploy', status: 'skipped', attempts: 0, error: null, target: null, steps: [] },
        ],
      }),
    );
    expect(lines).toEqual([
      'run e1 of pipeline build: failed',
      '  ✗ stage Build (ci): failed',
      '    ✗ step boom: failed, exit code 3, 4 ms',
      '    - step after: skipped',
      "    step 'boom' exited with 3",
      '  - stage Deploy (deploy): skipped',
    ]);
  });

  it('adds the run’s own error when no stage explains it (an abort)', () => {
    const lines = summaryLines(
      execution({
        status: 'aborted',
        error: { code: 'ABORTED', message: 'aborted by admin' },
        stages: [{ name: 'Build', type: 'ci', status: 'aborted', attempts: 1, error: null, target: null, steps: [{ name: 'slow', status: 'running' }] }],
      }),
    );
    expect(lines).toEqual(['run e1 of pipeline build: aborted', '  ✗ stage Build (ci): aborted', '    … step slow: running', '  aborted by admin']);
  });
});

describe('ProgressPrinter', () => {
  const log = (pipelineStage: string, data: string): ExecutionStreamEvent => ({ type: 'log', pipelineStage, line: `[${pipelineStage}] ${data}`, data });

  it('prints a header per stage, progress lines, and log chunks joined back into whole lines', () => {
    const lines: string[] = [];
    const printer = new ProgressPrinter((l) => lines.push(l));
    printer.event('progress', { type: 'progress', pipelineStage: 'Build', line: '[Build] connection started', stage: 'connection', status: 'started' });
    printer.event('log', log('Build', "step 'greet' (attempt 1) started\nhel"));
    printer.event('log', log('Build', 'lo ***\n'));
    printer.event('log', log('Deploy', 'no newline'));
    printer.event('ping', log('Deploy', 'ignored\n'));
    printer.flush();
    expect(lines).toEqual(['▶ stage Build', '  [Build] connection started', "  [Build] step 'greet' (attempt 1) started", '  [Build] hello ***', '▶ stage Deploy', '  [Deploy] no newline']);
  });
});
