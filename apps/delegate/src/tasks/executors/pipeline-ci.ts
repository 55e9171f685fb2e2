import type { OperationContext } from '@conduit/connectors';
import { connectorsLib } from '../connectors-lib';
import { renderSecretExpressions } from '@conduit/pipeline/expressions';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { defineExecutor, ExecutorContext, TaskFailure } from '../executor';
import { secretValue } from './echo';
import { renderedSpec } from './spec-expressions';

const Strategy = z.union([
  z.object({ action: z.literal('retry'), retries: z.number().int().min(1).max(10), on: z.enum(['any', 'transient']) }),
  z.object({ action: z.literal('ignore') }),
  z.object({ action: z.literal('abort') }),
]);

const Payload = z.object({
  stage: z.string(),
  codebase: z.object({ type: z.string(), spec: z.record(z.string(), z.unknown()), repo: z.string().optional() }).optional(),
  steps: z.array(z.object({ name: z.string(), shell: z.enum(['sh', 'bash']), command: z.string(), env: z.record(z.string(), z.string()), timeoutMs: z.number().int().positive(), failureStrategy: Strategy })),
  /** CONDUIT_SECRET_n → secret reference: how secrets reach commands, as environment values. */
  secretEnv: z.record(z.string(), z.string()),
});
type Payload = z.infer<typeof Payload>;

interface StepResult {
  name: string;
  status: 'succeeded' | 'failed' | 'ignored' | 'skipped';
  exitCode: number | null;
  durationMs: number;
  attempts: number;
}

/** Everything a step's process sees: a plain PATH/HOME, the step's env, and its secrets as variables. */
function stepEnvironment(payload: Payload, env: Record<string, string>, ctx: ExecutorContext<Payload>, workspace: string): NodeJS.ProcessEnv {
  const value = (ref: string) => {
    const secret = ctx.secrets.get(ref);
    if (!secret) throw new TaskFailure('SECRET_NOT_PROVIDED', `secret '${ref}' was not given to this stage`, { stage: 'authentication' });
    return secretValue(secret);
  };
  const rendered = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, renderSecretExpressions(v, ({ ref }) => value(ref))]));
  const secrets = Object.fromEntries(Object.entries(payload.secretEnv).map(([name, ref]) => [name, value(ref)]));
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: workspace, CI: 'true', ...rendered, ...secrets };
}

/** Runs one command to its exit code, streaming its output (masked by the runner) and honouring aborts. */
function runProcess(ctx: ExecutorContext<Payload>, command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const kill = () => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL'); // the whole process group: the shell and what it started
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(kill, options.timeoutMs);
    ctx.signal.addEventListener('abort', kill, { once: true });
    child.stdout.on('data', (chunk: Buffer) => ctx.log('stdout', chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => ctx.log('stderr', chunk.toString('utf8')));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', kill);
      if (ctx.signal.aborted) reject(ctx.signal.reason);
      else resolve(signal ? null : code);
    });
  });
}

async function clone(ctx: ExecutorContext<Payload>, codebase: NonNullable<Payload['codebase']>, dir: string): Promise<void> {
  const { cloneUrlOf, ConnectorCheckError, gitHttpAuthorization } = await connectorsLib();
  const operation: OperationContext = { spec: await renderedSpec(codebase.spec, ctx.secrets), secrets: ctx.secrets, signal: ctx.signal, log: (t) => ctx.log('system', t), stage: (_s, run) => run() };
  let url: string;
  let authorization: string | undefined;
  try {
    url = cloneUrlOf(codebase.type, codebase.spec, codebase.repo);
    authorization = gitHttpAuthorization(operation, codebase.type, codebase.spec);
  } catch (error) {
    if (error instanceof ConnectorCheckError) throw new TaskFailure(error.code, error.message, { stage: error.stage, ...(error.hint ? { hint: error.hint } : {}) });
    throw error;
  }
  ctx.progress('connection', 'started', `cloning ${url.replace(/\/\/[^@/]*@/, '//')}`);
  // The credential travels in git's environment-supplied config, never on its command line.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    GIT_TERMINAL_PROMPT: '0',
    ...(authorization ? { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: ${authorization}` } : {}),
  };
  const code = await runProcess(ctx, 'git', ['clone', '--quiet', '--depth', '1', url, dir], { cwd: path.dirname(dir), env, timeoutMs: 300_000 });
  if (code !== 0) {
    ctx.progress('connection', 'failed');
    throw new TaskFailure('CLONE_FAILED', `git clone of ${url} failed (exit ${code ?? 'killed'}); see the stage log`, { stage: 'connection', hint: 'check the codebase connector with Test connection' });
  }
  ctx.progress('connection', 'succeeded');
}

/**
 * A ci stage on this delegate: clone the codebase into a fresh workspace, then run each step with the
 * named shell there; a step's exit code decides, its failure strategy says what follows. Secrets reach
 * commands only as environment values, and every byte of output is masked on its way out.
 */
export const pipelineCiExecutor = defineExecutor({
  payload: Payload,
  async run(ctx) {
    const { payload } = ctx;
    await mkdir(path.join(os.tmpdir(), 'conduit-workspaces'), { recursive: true });
    const workspace = await mkdtemp(path.join(os.tmpdir(), 'conduit-workspaces', 'ws-'));
    const results: StepResult[] = payload.steps.map((s) => ({ name: s.name, status: 'skipped', exitCode: null, durationMs: 0, attempts: 0 }));
    const output = () => ({ steps: results, workspace: path.basename(workspace) });
    try {
      const dir = path.join(workspace, 'src');
      if (payload.codebase) await clone(ctx, payload.codebase, dir);
      else await mkdir(dir);
      for (const [i, step] of payload.steps.entries()) {
        const result = results[i] as StepResult;
        const env = stepEnvironment(payload, step.env, ctx, workspace);
        const attemptsAllowed = step.failureStrategy.action === 'retry' && step.failureStrategy.on === 'any' ? step.failureStrategy.retries + 1 : 1;
        const started = Date.now();
        for (let attempt = 1; attempt <= attemptsAllowed; attempt++) {
          ctx.log('system', `step '${step.name}' (attempt ${attempt}) started\n`);
          result.attempts = attempt;
          result.exitCode = await runProcess(ctx, step.shell === 'bash' ? 'bash' : 'sh', ['-c', step.command], { cwd: dir, env, timeoutMs: step.timeoutMs });
          ctx.log('system', `step '${step.name}' exited with ${result.exitCode ?? 'a signal (timeout)'}\n`);
          if (result.exitCode === 0) break;
        }
        result.durationMs = Date.now() - started;
        if (result.exitCode === 0) result.status = 'succeeded';
        else if (step.failureStrategy.action === 'ignore') result.status = 'ignored';
        else {
          result.status = 'failed';
          throw new TaskFailure('STEP_FAILED', `step '${step.name}' exited with ${result.exitCode ?? 'a signal (timed out)'}`, { stage: 'operation' }, output());
        }
      }
      return { output: output() };
    } catch (error) {
      if (error instanceof TaskFailure && !error.output) throw new TaskFailure(error.code, error.message, error.details, output());
      throw error;
    } finally {
      await rm(workspace, { recursive: true, force: true });
    }
  },
});
