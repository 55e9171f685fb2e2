import type { ExecutionStreamEvent, ExecutionView, StageView, StepView } from '../api/views';

const MARK: Record<string, string> = { succeeded: '✓', failed: '✗', aborted: '✗', ignored: '~', skipped: '-', pending: '·', running: '…' };
const mark = (status: string) => MARK[status] ?? '?';

function stepLine(step: StepView): string {
  const exit = step.exitCode === undefined || step.exitCode === null ? (step.status === 'failed' ? 'no exit code (killed or timed out)' : '') : `exit code ${step.exitCode}`;
  const parts = [`${mark(step.status)} step ${step.name}: ${step.status}`, exit, step.durationMs ? `${step.durationMs} ms` : '', step.attempts && step.attempts > 1 ? `${step.attempts} attempts` : ''];
  return `    ${parts.filter(Boolean).join(', ')}`;
}

/** The step's lifecycle phases on one line: time for those that ran, the word for those reused or skipped. */
function phasesLine(step: StepView): string[] {
  if (!step.phases?.length) return [];
  const word = (p: { status: string; durationMs: number }) => (p.status === 'succeeded' ? `${p.durationMs} ms` : p.status === 'failed' ? `failed after ${p.durationMs} ms` : p.status);
  return [`      ${step.phases.map((p) => `${p.phase} ${word(p)}`).join(' · ')}`];
}

function stageLine(stage: StageView): string {
  const attempts = stage.attempts > 1 ? ` (${stage.attempts} attempts)` : '';
  return `  ${mark(stage.status)} stage ${stage.name} (${stage.type}): ${stage.status}${attempts}`;
}

/** The end of a run in a few lines: the outcome, then each stage with its steps' exit codes and any error. */
export function summaryLines(execution: ExecutionView): string[] {
  const lines = [`run ${execution.id} of pipeline ${execution.pipeline}: ${execution.status}`];
  for (const stage of execution.stages) {
    lines.push(stageLine(stage));
    lines.push(...stage.steps.flatMap((step) => [stepLine(step), ...phasesLine(step)]));
    if (stage.error && stage.status !== 'succeeded') lines.push(`    ${stage.error.message}`);
  }
  if (execution.error && !execution.stages.some((s) => s.error?.message && execution.error?.message.endsWith(s.error.message))) lines.push(`  ${execution.error.message}`);
  return lines;
}

/**
 * Live lines while following: a header when a stage starts, its progress as the control plane words it, and the
 * (masked) output joined back into whole lines — a log chunk may end mid-line — each prefixed with its stage.
 */
export class ProgressPrinter {
  private stage: string | undefined;
  private pending = '';

  constructor(private readonly out: (line: string) => void) {}

  event(kind: string, data: ExecutionStreamEvent): void {
    if (kind !== 'progress' && kind !== 'log') return;
    if (data.pipelineStage !== this.stage) {
      this.flush();
      this.stage = data.pipelineStage;
      this.out(`▶ stage ${data.pipelineStage}`);
    }
    if (kind === 'progress') {
      this.flush();
      this.out(`  ${data.line}`);
      return;
    }
    const parts = (this.pending + (data.data ?? '')).split('\n');
    this.pending = parts.pop() ?? '';
    for (const text of parts) this.out(`  [${this.stage}] ${text}`);
  }

  /** Prints a last line that never got its newline. */
  flush(): void {
    if (this.pending) this.out(`  [${this.stage}] ${this.pending}`);
    this.pending = '';
  }
}
