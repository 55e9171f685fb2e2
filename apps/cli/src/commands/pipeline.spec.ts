import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ExecutionView } from '../api/views';
import type { Io } from '../io';
import { buildProgram } from '../program';

const view = (pipeline: string, status: ExecutionView['status'], exitCode: number): ExecutionView => ({
  id: `run-${pipeline}`,
  pipeline,
  status,
  error: status === 'succeeded' ? null : { code: 'STAGE_FAILED', message: `stage 'Build' failed: step 'main' exited with ${exitCode}` },
  stages: [{ name: 'Build', type: 'ci', status: status === 'running' ? 'running' : status, attempts: 1, target: null, error: null, steps: [{ name: 'main', status: exitCode === 0 ? 'succeeded' : 'failed', exitCode, durationMs: 5 }] }],
});
const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** A stand-in for the executions API: `ok` succeeds, `bad` exits 3, `slow` streams until cancelled, `broken` has unresolved references. */
function handler(requests: string[], state: { cancelled: boolean }) {
  return (request: IncomingMessage, response: ServerResponse) => {
    requests.push(`${request.method} ${request.url}`);
    const url = new URL(request.url ?? '/', 'http://x');
    const [, , , pipeline, , execution, tail] = url.pathname.split('/');
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (pipeline === 'broken') {
      return json(400, {
        code: 'VALIDATION_FAILED',
        message: "stages[0].spec.connector: 'org.missing' not found in organization 'default'",
        details: [
          { path: 'stages[0].spec.connector', message: "stages[0].spec.connector: 'org.missing' not found in organization 'default'" },
          { path: 'stages[1].spec.steps[0].spec.command', message: "stages[1].spec.steps[0].spec.command: secret 'nope' not found" },
        ],
        requestId: 'req-1',
      });
    }
    const exit = pipeline === 'bad' ? 3 : 0;
    if (request.method === 'POST' && !execution) return json(201, view(pipeline as string, 'running', exit));
    if (!execution) return json(200, { items: [{ ...view(pipeline as string, 'failed', 3), createdBy: 'admin', startedAt: null }] });
    if (tail === 'cancel') {
      state.cancelled = true;
      return json(201, { ...view(pipeline as string, 'aborted', 130), error: { code: 'ABORTED', message: 'aborted by admin' } });
    }
    if (tail === 'logs' && url.searchParams.get('follow') !== 'true') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      return response.end('[Build] hello ***\n');
    }
    if (tail === 'logs') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const stream = sse('log', { type: 'log', pipelineStage: 'Build', data: "step 'main' (attempt 1) started\nhello ", line: '' }) + sse('log', { type: 'log', pipelineStage: 'Build', data: '***\n', line: '' });
      // Written in pieces that split lines and events.
      response.write(stream.slice(0, 17));
      setTimeout(() => {
        response.write(stream.slice(17));
        if (pipeline === 'slow') return; // streams until the client goes away
        response.end(sse('end', { status: exit ? 'failed' : 'succeeded', error: null }));
      }, 20);
      return;
    }
    return json(200, view(pipeline as string, pipeline === 'slow' ? 'running' : exit ? 'failed' : 'succeeded', exit));
  };
}

describe('conduit pipeline', () => {
  let server: Server;
  let url: string;
  const requests: string[] = [];
  const state = { cancelled: false };
  let interrupt: (() => void) | undefined;

  const run = async (args: string[]) => {
    const lines: string[] = [];
    const errors: string[] = [];
    const io: Io = {
      out: (l) => lines.push(l),
      err: (l) => errors.push(l),
      fetch,
      env: { CONDUIT_API_KEY: 'k', XDG_CONFIG_HOME: '/nonexistent' },
      readStdin: async () => Buffer.alloc(0),
      stdinIsTTY: true,
      onInterrupt: (h) => {
        interrupt = h;
        return () => (interrupt = undefined);
      },
    };
    process.exitCode = undefined;
    await buildProgram(io).parseAsync(['node', 'conduit', '--url', url, '--org', 'default', ...args]);
    return { lines, errors, code: process.exitCode };
  };

  beforeAll(async () => {
    server = createServer(handler(requests, state));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server.close());
  afterEach(() => (process.exitCode = undefined));

  it('run without --follow prints the run id and status and exits 0', async () => {
    const result = await run(['pipeline', 'run', 'ok']);
    expect(result.lines[0]).toBe('run run-ok of pipeline ok: running');
    expect(result.code).toBe(0);
    expect(requests).toContain('POST /v1/pipelines/ok/executions?org=default');
  });

  it('run --follow streams progress and masked lines, then the summary; exit 0 on success', async () => {
    const result = await run(['pipeline', 'run', 'ok', '--follow']);
    expect(result.lines).toEqual([
      'run run-ok of pipeline ok: running',
      '▶ stage Build',
      "  [Build] step 'main' (attempt 1) started",
      '  [Build] hello ***',
      'run run-ok of pipeline ok: succeeded',
      '  ✓ stage Build (ci): succeeded',
      '    ✓ step main: succeeded, exit code 0, 5 ms',
    ]);
    expect(result.code).toBe(0);
    expect(requests).toContain('GET /v1/pipelines/ok/executions/run-ok/logs?org=default&follow=true');
  });

  it('exits 1 with the step exit code when the run fails', async () => {
    const result = await run(['pipeline', 'run', 'bad', '-f']);
    expect(result.lines).toContain('    ✗ step main: failed, exit code 3, 5 ms');
    expect(result.code).toBe(1);
  });

  it('names every unresolved reference by its YAML path (exit 1)', async () => {
    const result = await run(['pipeline', 'run', 'broken']);
    expect(result.errors).toEqual([
      "error: pipeline 'broken' cannot run: 2 references do not resolve\n" +
        "  stages[0].spec.connector: 'org.missing' not found in organization 'default'\n" +
        "  stages[1].spec.steps[0].spec.command: secret 'nope' not found\n" +
        '  (VALIDATION_FAILED, HTTP 400, request id req-1)',
    ]);
    expect(result.code).toBe(1);
  });

  it('cancels the run on Ctrl-C while following and exits 130', async () => {
    const pending = run(['pipeline', 'run', 'slow', '--follow']);
    while (!interrupt || !requests.some((r) => r.startsWith('GET /v1/pipelines/slow/executions/run-slow/logs'))) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    interrupt();
    const result = await pending;
    expect(state.cancelled).toBe(true);
    expect(requests).toContain('POST /v1/pipelines/slow/executions/run-slow/cancel?org=default');
    expect(result.errors).toEqual(['interrupted: run run-slow cancelled']);
    expect(result.code).toBe(130);
    expect(interrupt).toBeUndefined();
  });

  it('logs prints the masked logs; executions lists the runs', async () => {
    expect((await run(['pipeline', 'logs', 'ok', 'run-ok'])).lines).toEqual(['[Build] hello ***']);
    const followed = await run(['pipeline', 'logs', 'bad', 'run-bad', '--follow']);
    expect(followed.code).toBe(1);
    expect(followed.lines).toContain('  [Build] hello ***');
    const listed = await run(['pipeline', 'executions', 'bad']);
    expect(listed.lines[0]).toMatch(/^ID\s+STATUS\s+VERSION\s+STAGES\s+BY\s+STARTED\s+ERROR$/);
    expect(listed.lines[1]).toMatch(/^run-bad\s+failed\s+Build:failed\s+admin\s+-\s+stage 'Build' failed: step 'main' exited with 3$/);
  });
});
