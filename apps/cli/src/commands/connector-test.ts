import { Command, Option } from 'commander';
import { ApiClient } from '../api/api-client';
import type { ConnectionTestResult, Page, TaskEventView, TaskView } from '../api/views';
import { ExitCode } from '../errors';
import type { Io } from '../io';
import { renderDocument } from '../output/format';
import { action } from './command-kit';

const STAGES = ['resolution', 'validation', 'authentication', 'connection', 'operation', 'monitoring'];
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FINISHED = ['succeeded', 'failed', 'cancelled', 'unknown'];

/** The connection-test outcome from its finished task, the way the control plane words it. */
export function resultOf(task: TaskView): ConnectionTestResult {
  const success = task.status === 'succeeded' && task.output?.['status'] === 'SUCCESS';
  const details = task.output?.['details'] as { latencyMs?: number } | undefined;
  return {
    status: success ? 'SUCCESS' : 'FAILURE',
    stage: success ? null : (task.error?.stage ?? null),
    message: success ? ((task.output?.['message'] as string | undefined) ?? null) : (task.error?.message ?? `the test task ended ${task.status}`),
    latencyMs: details?.latencyMs ?? null,
    errors: success || !task.error ? [] : [{ code: task.error.code, message: task.error.message, ...(task.error.hint ? { hint: task.error.hint } : {}) }],
    delegate: task.delegate?.name ?? null,
    taskId: task.id,
    testedAt: task.finishedAt,
  };
}

/** The per-stage lines: one per stage the delegate reported, with its time and, for a failure, why. */
export function stageLines(task: TaskView | undefined, result: ConnectionTestResult): string[] {
  const mark = { succeeded: '✓', failed: '✗', skipped: '-' } as const;
  const stages = [...(task?.stages ?? [])].sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage));
  const lines = stages.map((s) => `  ${mark[s.status]} ${s.stage.padEnd(14)} ${s.status === 'skipped' ? 'skipped' : `${s.durationMs} ms`}${s.status === 'failed' && s.message && s.message !== result.message ? `  ${s.message}` : ''}`);
  if (!stages.length && result.status === 'FAILURE' && result.stage) lines.push(`  ✗ ${result.stage.padEnd(14)} ${result.message ?? ''}`);
  return lines;
}

async function waitForTask(io: Io, client: ApiClient, taskId: string, label: string, timeoutMs: number): Promise<TaskView> {
  const deadline = Date.now() + timeoutMs;
  let frame = 0;
  let stage = 'queued';
  const spin = setInterval(() => io.progress?.(`${FRAMES[frame++ % FRAMES.length]} testing ${label}: ${stage}`), 100);
  try {
    for (;;) {
      const task = await client.request<TaskView>('GET', `/v1/tasks/${taskId}`, { scoped: false, query: { wait: 'true', timeoutMs: 1000 } });
      if (FINISHED.includes(task.status)) return task;
      if (io.progress) {
        const events = await client.request<Page<TaskEventView>>('GET', `/v1/tasks/${taskId}/events`, { scoped: false });
        const last = events.items.filter((e) => e.type === 'progress').at(-1);
        stage = last?.stage ? `${last.stage}${last.status === 'started' ? '…' : ` ${last.status ?? ''}`}` : task.status === 'queued' ? 'waiting for a delegate' : task.status;
      }
      if (Date.now() > deadline) return task;
    }
  } finally {
    clearInterval(spin);
    io.progress?.('');
  }
}

export function registerConnectorTest(program: Command, io: Io): void {
  const connector = program.command('connector').description('connector operations');
  connector
    .command('test')
    .description('test a connector through a delegate: resolution, validation, authentication, connection, operation')
    .argument('<ref>', "connector reference: 'x', 'org.x' or 'account.x'")
    .addOption(new Option('--timeout <seconds>', 'give up waiting after this long').default(60).argParser((v) => Number.parseInt(v, 10)))
    .addOption(new Option('-o, --output <format>', 'text (default) or the result as json/yaml').choices(['text', 'json', 'yaml']).default('text'))
    .addHelpText('after', '\nExit code 0 when the test succeeds, 1 when it fails (the stage and message say why).')
    .action(
      action<{ timeout: number; output: 'text' | 'json' | 'yaml' }, [string]>(io, async ([ref], { session, options }) => {
        const client = session.client();
        const started = await client.request<ConnectionTestResult>('POST', `/v1/connectors/${encodeURIComponent(ref)}/test`);
        let result = started;
        let task: TaskView | undefined;
        if (started.status === 'PENDING' && started.taskId) {
          task = await waitForTask(io, client, started.taskId, ref, options.timeout * 1000);
          result = FINISHED.includes(task.status)
            ? resultOf(task)
            : { ...started, status: 'FAILURE', message: `no result after ${options.timeout} s (task ${task.status}); follow it with conduit describe task ${started.taskId}` };
        }
        if (options.output !== 'text') {
          renderDocument({ ...result, stages: task?.stages ?? [] }, options.output).forEach((l) => io.out(l));
        } else {
          io.out(`${result.status === 'SUCCESS' ? '✓' : '✗'} connector ${ref}: ${result.status}${result.latencyMs !== null ? ` (${result.latencyMs} ms)` : ''}${result.delegate ? ` via delegate ${result.delegate}` : ''}`);
          stageLines(task, result).forEach((l) => io.out(l));
          if (result.message) io.out(`  ${result.message}`);
          for (const error of result.errors) if (error.hint) io.out(`  hint: ${error.hint}`);
          if (result.taskId) io.out(`  task ${result.taskId}`);
        }
        return result.status === 'SUCCESS' ? ExitCode.Ok : ExitCode.Failure;
      }),
    );
}
