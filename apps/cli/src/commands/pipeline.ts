import { Command, Option } from 'commander';
import { ApiClient, ApiFailure, describeApiError } from '../api/api-client';
import type { ExecutionStreamEvent, ExecutionView, Page } from '../api/views';
import { CliError, ExitCode } from '../errors';
import type { Io } from '../io';
import { age, renderList, type Column, type OutputFormat } from '../output/format';
import { readSse } from '../pipelines/sse';
import { ProgressPrinter, summaryLines } from '../pipelines/summary';
import { action, outputOption } from './command-kit';

const executionsRoute = (pipeline: string) => `/v1/pipelines/${encodeURIComponent(pipeline)}/executions`;
const executionRoute = (pipeline: string, execution: string) => `${executionsRoute(pipeline)}/${encodeURIComponent(execution)}`;

/** A 400 from starting a run names every unresolved reference with its YAML path: said as such. */
export function cannotRun(pipeline: string, failure: ApiFailure): CliError {
  const details = Array.isArray(failure.body.details) ? failure.body.details : [];
  if (failure.status !== 400 || !details.length) return failure;
  const problems = details.length === 1 ? 'a reference does not resolve' : `${details.length} references do not resolve`;
  return new CliError(describeApiError(failure.status, { ...failure.body, message: `pipeline '${pipeline}' cannot run: ${problems}` }), ExitCode.Failure);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows a run: its progress and masked log lines as they stream, then a summary per stage. Answers 0 when the
 * run succeeded, 1 when it failed or was aborted, 130 on Ctrl-C — after cancelling the run when `cancelOnInterrupt`.
 */
export async function followExecution(io: Io, client: ApiClient, pipeline: string, executionId: string, cancelOnInterrupt: boolean): Promise<ExitCode> {
  const route = executionRoute(pipeline, executionId);
  const controller = new AbortController();
  let interrupted = false;
  const stopListening = io.onInterrupt?.(() => {
    interrupted = true;
    controller.abort();
  });
  const printer = new ProgressPrinter((line) => io.out(line));
  try {
    let ended = false;
    try {
      const response = await client.stream('GET', `${route}/logs`, { query: { follow: 'true' }, signal: controller.signal });
      if (!response.body) throw new Error('the control plane answered without a body');
      for await (const event of readSse(response.body)) {
        if (event.event === 'end') {
          ended = true;
          break;
        }
        try {
          printer.event(event.event, JSON.parse(event.data) as ExecutionStreamEvent);
        } catch {
          // not an event of ours: skip it
        }
      }
    } catch (error) {
      if (!interrupted && error instanceof CliError) throw error;
      if (!interrupted) io.err(`the log stream broke (${(error as Error).message}); waiting for the run to end`);
    } finally {
      printer.flush();
    }
    let execution = await client.request<ExecutionView>('GET', route);
    // The stream ended early (a proxy, a restart): wait for the outcome without the logs.
    while (!ended && !interrupted && execution.status === 'running') {
      await sleep(1000);
      execution = await client.request<ExecutionView>('GET', route);
    }
    if (interrupted) {
      if (!cancelOnInterrupt) {
        io.err(`interrupted: stopped following; run ${executionId} goes on`);
        return ExitCode.Interrupted;
      }
      const cancelled = execution.status === 'running' ? await client.request<ExecutionView>('POST', `${route}/cancel`) : execution;
      io.err(`interrupted: run ${executionId} ${cancelled.status === 'aborted' ? 'cancelled' : `had already ended (${cancelled.status})`}`);
      return ExitCode.Interrupted;
    }
    summaryLines(execution).forEach((line) => io.out(line));
    return execution.status === 'succeeded' ? ExitCode.Ok : ExitCode.Failure;
  } finally {
    stopListening?.();
  }
}

export function registerPipeline(program: Command, io: Io, now: () => Date): void {
  const pipeline = program.command('pipeline').description('run pipelines through delegates and follow their runs');

  pipeline
    .command('run')
    .description('start a run of a pipeline (every reference is checked first); --follow streams it to the end')
    .argument('<id>', 'pipeline identifier')
    .option('-f, --follow', 'print progress and masked logs as they come, then a summary per stage')
    .addHelpText(
      'after',
      `
Without --follow: prints the run id and status, exit code 0 once started.
With --follow: exit code 0 when the run succeeded, 1 when it failed or was aborted;
Ctrl-C cancels the run and exits 130.
A pipeline whose references do not resolve does not start: each one is named by its YAML path (exit code 1).`,
    )
    .action(
      action<{ follow?: boolean }, [string]>(io, async ([id], { session, options }) => {
        const client = session.client();
        let execution: ExecutionView;
        try {
          execution = await client.request<ExecutionView>('POST', executionsRoute(id));
        } catch (error) {
          throw error instanceof ApiFailure ? cannotRun(id, error) : error;
        }
        io.out(`run ${execution.id} of pipeline ${id}: ${execution.status}`);
        if (!options.follow) {
          io.out(`  follow it: conduit pipeline logs ${id} ${execution.id} --follow`);
          return ExitCode.Ok;
        }
        return followExecution(io, client, id, execution.id, true);
      }),
    );

  const columns: Array<Column<ExecutionView>> = [
    { header: 'id', value: (e) => e.id },
    { header: 'status', value: (e) => e.status },
    { header: 'version', value: (e) => String(e.pipelineVersion ?? '') },
    { header: 'stages', value: (e) => e.stages.map((s) => `${s.name}:${s.status}`).join(' ') },
    { header: 'by', value: (e) => e.createdBy ?? '' },
    { header: 'started', value: (e) => age(e.startedAt, now()) },
    { header: 'error', value: (e) => e.error?.message ?? '' },
  ];
  pipeline
    .command('executions')
    .description('list the recent runs of a pipeline, newest first')
    .argument('<id>', 'pipeline identifier')
    .addOption(outputOption())
    .action(
      action<{ output: OutputFormat }, [string]>(io, async ([id], { session, options }) => {
        const page = await session.client().request<Page<ExecutionView>>('GET', executionsRoute(id));
        renderList(page.items, options.output, columns, `no runs of pipeline ${id}`).forEach((line) => io.out(line));
      }),
    );

  pipeline
    .command('logs')
    .description("print a run's logs (masked on the delegate); --follow streams them until the run ends")
    .argument('<id>', 'pipeline identifier')
    .argument('<execution-id>', 'the run, as conduit pipeline run or executions prints it')
    .addOption(new Option('-f, --follow', 'stream progress and logs until the run ends, then a summary per stage'))
    .addHelpText('after', '\nWith --follow: exit code 0 when the run succeeded, 1 when it failed or was aborted; Ctrl-C stops following (130), the run goes on.')
    .action(
      action<{ follow?: boolean }, [string, string]>(io, async ([id, executionId], { session, options }) => {
        const client = session.client();
        if (options.follow) return followExecution(io, client, id, executionId, false);
        const text = await client.text('GET', `${executionRoute(id, executionId)}/logs`, { accept: 'text/plain' });
        if (text) text.replace(/\n$/, '').split('\n').forEach((line) => io.out(line));
        return ExitCode.Ok;
      }),
    );
}
