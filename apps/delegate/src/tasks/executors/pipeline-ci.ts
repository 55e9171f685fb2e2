import type { CloneAccess, OperationContext } from '@conduit/connectors';
import { secretPayloadText } from '@conduit/crypto';
import { connectorsLib } from '../connectors-lib';
import { renderSecretExpressions } from '@conduit/pipeline/expressions';
import { spawn } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { defineExecutor, ExecutorContext, TaskFailure } from '../executor';
import { asTaskFailure } from './operation-context';
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

/** The lifecycle phases every step records, in order (the connectors overview's Resolution … Monitoring). */
const PHASES = ['resolution', 'validation', 'authentication', 'connection', 'operation', 'monitoring'] as const;
type PhaseName = (typeof PHASES)[number];

/**
 * One phase of a step: `reused` when the step works in what an earlier step of the stage set up (the clone
 * authenticates and connects once per stage), `skipped` when it did not apply (no codebase) or never came.
 */
interface Phase {
  phase: PhaseName;
  status: 'succeeded' | 'failed' | 'reused' | 'skipped';
  durationMs: number;
}

interface StepResult {
  name: string;
  status: 'succeeded' | 'failed' | 'ignored' | 'skipped';
  exitCode: number | null;
  durationMs: number;
  attempts: number;
  phases: Phase[];
}

/** Times one phase of a step into its record; a throw marks it failed and goes on up. */
async function phase<T>(result: StepResult, name: PhaseName, run: () => T | Promise<T>): Promise<T> {
  const entry = result.phases.find((p) => p.phase === name) as Phase;
  const started = performance.now();
  try {
    const value = await run();
    entry.status = 'succeeded';
    return value;
  } catch (error) {
    entry.status = 'failed';
    throw error;
  } finally {
    entry.durationMs = Math.round(performance.now() - started);
  }
}

/** Whether a shell can be run from this PATH: a step fails validation here, not with a cryptic spawn error. */
async function shellAvailable(shell: string, env: NodeJS.ProcessEnv): Promise<void> {
  for (const dir of (env['PATH'] ?? '').split(':').filter(Boolean)) {
    if (await access(path.join(dir, shell), constants.X_OK).then(() => true, () => false)) return;
  }
  throw new TaskFailure('SHELL_NOT_FOUND', `shell '${shell}' is not installed on this delegate`, { stage: 'validation', hint: 'use sh, or install bash on the delegate' });
}

/** Everything a step's process sees: a plain PATH/HOME, the step's env, and its secrets as variables. */
function stepEnvironment(payload: Payload, env: Record<string, string>, ctx: ExecutorContext<Payload>, workspace: string): NodeJS.ProcessEnv {
  const value = (ref: string) => {
    const secret = ctx.secrets.get(ref);
    if (!secret) throw new TaskFailure('SECRET_NOT_PROVIDED', `secret '${ref}' was not given to this stage`, { stage: 'authentication' });
    return secretPayloadText(secret);
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

/** The key and known_hosts for one SSH clone, in a directory of their own outside the clone; removed when the clone ends. */
async function sshCloneEnvironment(access: Extract<CloneAccess, { transport: 'ssh' }>, workspace: string): Promise<{ env: NodeJS.ProcessEnv; dir: string }> {
  const { gitSshEnvironment } = await connectorsLib();
  const dir = await mkdtemp(path.join(workspace, '.ssh-'));
  return { env: await gitSshEnvironment(access.key, access.knownHostsLine, dir), dir };
}

async function clone(ctx: ExecutorContext<Payload>, codebase: NonNullable<Payload['codebase']>, dir: string, first: StepResult | undefined): Promise<void> {
  const timed = <T>(name: PhaseName, run: () => T | Promise<T>) => (first ? phase(first, name, run) : Promise.resolve(run()));
  const { cloneAccessOf, cloneUrlOf, gitHttpEnvironment } = await connectorsLib();
  const operation: OperationContext = { spec: await renderedSpec(codebase.spec, ctx.secrets), secrets: ctx.secrets, signal: ctx.signal, log: (t) => ctx.log('system', t), stage: (_s, run) => run() };
  const url = await asTaskFailure(async () => cloneUrlOf(codebase.type, operation.spec, codebase.repo));
  const access = await timed('authentication', () => asTaskFailure(() => cloneAccessOf(operation, codebase.type, operation.spec, url)));
  ctx.progress('connection', 'started', `cloning ${url.replace(/\/\/[^@/]*@/, '//')}`);
  const ssh = access.transport === 'ssh' ? await sshCloneEnvironment(access, path.dirname(dir)) : undefined;
  // The connector's CA bundle, like the SSH key, sits outside the clone and is gone before the steps run.
  const caDir = access.transport === 'http' && access.ca ? await mkdtemp(path.join(path.dirname(dir), '.ca-')) : undefined;
  // The credential travels in git's environment (a header in environment-supplied config, or a key file), never on its command line.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    GIT_TERMINAL_PROMPT: '0',
    ...(access.transport === 'http' ? await gitHttpEnvironment(access.authorization ? { Authorization: access.authorization } : {}, access.ca && caDir ? { pem: access.ca, dir: caDir } : undefined) : {}),
    ...ssh?.env,
  };
  let code: number | null;
  try {
    code = await timed('connection', () => runProcess(ctx, 'git', ['clone', '--quiet', '--depth', '1', url, dir], { cwd: path.dirname(dir), env, timeoutMs: 300_000 }));
  } finally {
    // The steps that follow never see the key.
    if (ssh) await rm(ssh.dir, { recursive: true, force: true });
    if (caDir) await rm(caDir, { recursive: true, force: true });
  }
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
    const results: StepResult[] = payload.steps.map((s) => ({
      name: s.name,
      status: 'skipped',
      exitCode: null,
      durationMs: 0,
      attempts: 0,
      phases: PHASES.map((p) => ({ phase: p, status: 'skipped', durationMs: 0 })),
    }));
    const output = () => ({ steps: results, workspace: path.basename(workspace) });
    try {
      const dir = path.join(workspace, 'src');
      if (payload.codebase) await clone(ctx, payload.codebase, dir, results[0]);
      else await mkdir(dir);
      for (const [i, step] of payload.steps.entries()) {
        const result = results[i] as StepResult;
        if (payload.codebase && i > 0) for (const p of result.phases) if (p.phase === 'authentication' || p.phase === 'connection') p.status = 'reused';
        const started = Date.now();
        const env = await phase(result, 'resolution', () => stepEnvironment(payload, step.env, ctx, workspace));
        const shell = step.shell === 'bash' ? 'bash' : 'sh';
        await phase(result, 'validation', () => shellAvailable(shell, env));
        const attemptsAllowed = step.failureStrategy.action === 'retry' && step.failureStrategy.on === 'any' ? step.failureStrategy.retries + 1 : 1;
        await phase(result, 'operation', async () => {
          for (let attempt = 1; attempt <= attemptsAllowed; attempt++) {
            ctx.log('system', `step '${step.name}' (attempt ${attempt}) started\n`);
            result.attempts = attempt;
            result.exitCode = await runProcess(ctx, shell, ['-c', step.command], { cwd: dir, env, timeoutMs: step.timeoutMs });
            ctx.log('system', `step '${step.name}' exited with ${result.exitCode ?? 'a signal (timeout)'}\n`);
            if (result.exitCode === 0) return;
          }
          // A non-zero exit is the command's answer, not a broken operation: the step's status says it.
        });
        await phase(result, 'monitoring', () => {
          result.durationMs = Date.now() - started;
          result.status = result.exitCode === 0 ? 'succeeded' : step.failureStrategy.action === 'ignore' ? 'ignored' : 'failed';
        });
        if (result.status === 'failed') {
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
