import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startGitHttp } from '../peers';
import type { RunningProcess } from '../support/processes';
import { BenchSample, startControlPlane, startDelegate, TaskView, waitForConnected } from './harness';
import { printTable, Sample, summarize } from './stats';

const run = promisify(execFile);
const N = 200;
const WARMUP = 20;
/** The cases take turns in blocks of this many, so a noisy neighbour hurts them all alike. */
const BLOCK = 20;
const TARGET_RATIO = 1.5;

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

interface TestResult {
  status: string;
  latencyMs: number | null;
  message: string | null;
  taskId: string;
}

const between = (a: string | null, b: string | null) => (a && b ? Date.parse(b) - Date.parse(a) : NaN);

/**
 * Issue 6 target: listing a repository's refs through Conduit (POST /v1/connectors/{ref}/test?wait=true on a
 * Git HTTP connector: API → task → delegate process → REAL git http-backend peer behind Basic auth) within
 * 1.5x of a direct `git ls-remote` of the same repository with the same credentials, measured in the same run.
 */
export async function benchGitLsRemote(): Promise<Sample[]> {
  const git = await startGitHttp();
  const work = await mkdtemp(path.join(os.tmpdir(), 'bench-ls-remote-'));
  const cp = await startControlPlane({ queue: 'redis' });
  let delegate: RunningProcess | undefined;
  try {
    delegate = startDelegate(cp, 'bench-git', { keyFile: path.join(work, 'group.key') });
    await waitForConnected(cp, ['bench-git']);
    await cp.api.post('/v1/secrets', { identifier: 'git_pw', name: 'git_pw', kind: 'text', value: { value: git.password } });
    await cp.api.post('/v1/connectors', {
      identifier: 'bench_git',
      name: 'bench git',
      type: 'Git',
      spec: { type: 'Http', connectionType: 'Repo', url: git.repoUrl, spec: { username: git.username, passwordRef: 'git_pw' } },
    });
    // The credentials go in through git's own askpass-free route: a URL with user:password, as a CI job would.
    const authenticated = new URL(git.repoUrl);
    authenticated.username = git.username;
    authenticated.password = git.password;
    const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', HOME: work, GIT_CONFIG_NOSYSTEM: '1' };

    const v = { direct: [] as number[], conduit: [] as number[], listRefs: [] as number[], operation: [] as number[], toOffered: [] as number[], toClaimed: [] as number[], toStarted: [] as number[], toFinished: [] as number[], afterFinish: [] as number[] };
    const runs: Array<{ taskId: string; clientMs: number }> = [];
    let refs = 0;
    const direct = async (record: boolean) => {
      const t0 = process.hrtime.bigint();
      const { stdout } = await run('git', ['ls-remote', authenticated.toString()], { env: gitEnv });
      if (record) v.direct.push(ms(t0));
      refs = stdout.trim().split('\n').length;
    };
    const conduit = async (record: boolean) => {
      const t0 = process.hrtime.bigint();
      const result = await cp.api.request<TestResult>('POST', '/v1/connectors/bench_git/test?wait=true', undefined, 200);
      const total = ms(t0);
      if (result.status !== 'SUCCESS') throw new Error(`connection test failed: ${result.message ?? JSON.stringify(result)}`);
      if (!record) return;
      v.conduit.push(total);
      if (result.latencyMs !== null) v.operation.push(result.latencyMs);
      runs.push({ taskId: result.taskId, clientMs: total });
    };
    // The same listing as an operation (connector.operation list-refs), whose result carries the refs.
    const listRefs = async (record: boolean) => {
      const t0 = process.hrtime.bigint();
      const result = await cp.api.request<{ status: string; message?: string }>('POST', '/v1/connectors/bench_git/operations/list-refs?wait=true', {}, 200);
      if (result.status !== 'SUCCESS') throw new Error(`list-refs failed: ${result.message ?? JSON.stringify(result)}`);
      if (record) v.listRefs.push(ms(t0));
    };
    const cases = [direct, conduit, listRefs];
    for (const c of cases) for (let i = 0; i < WARMUP; i++) await c(false);
    for (let done = 0; done < N; done += BLOCK) for (const c of cases) for (let i = 0; i < BLOCK; i++) await c(true);

    // Where the time went, from the task's own timestamps (read after the timed runs, so they cost nothing).
    for (const run of runs) {
      const task = await cp.api.get<TaskView>(`/v1/tasks/${run.taskId}`);
      v.toOffered.push(between(task.queuedAt, task.offeredAt));
      v.toClaimed.push(between(task.offeredAt, task.claimedAt));
      v.toStarted.push(between(task.claimedAt, task.startedAt));
      v.toFinished.push(between(task.startedAt, task.finishedAt));
      v.afterFinish.push(run.clientMs - between(task.queuedAt, task.finishedAt));
    }
    const floor = summarize('floor: direct `git ls-remote` (git 2 process, Basic auth, same peer)', v.direct);
    const through: BenchSample = {
      ...summarize('ls-remote through Conduit: POST …/test?wait=true (API → task → delegate → peer)', v.conduit),
      figures: { refsListedByGit: refs, ratioP50: round(summarize('', v.conduit).p50 / floor.p50), target: TARGET_RATIO },
    };
    const samples: Sample[] = [
      floor,
      through,
      summarize('list-refs operation through Conduit: POST …/operations/list-refs?wait=true', v.listRefs),
      summarize("  … the delegate's own info/refs exchange (result latencyMs)", v.operation),
      summarize('  … queued → offered (route, enqueue, replica worker)', v.toOffered),
      summarize('  … offered → claimed (offer frame, delegate claims, lease)', v.toClaimed),
      summarize('  … claimed → started (delegate opens secrets, first progress frame)', v.toStarted),
      summarize('  … started → finished (stages + result frame)', v.toFinished),
      summarize('  … client total minus queued → finished (HTTP, checks, recording)', v.afterFinish),
    ];
    printTable(`git ls-remote (${N} each, in blocks of ${BLOCK}; target ≤ ${TARGET_RATIO}x the direct floor at p50)`, samples, floor);
    const ratio = through.p50 / floor.p50;
    console.log(`ratio p50 ${ratio.toFixed(2)}x, p99 ${(through.p99 / floor.p99).toFixed(2)}x — target ≤ ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'}`);
    return samples;
  } finally {
    await delegate?.stop();
    await cp.stop();
    await git.stop();
    await rm(work, { recursive: true, force: true });
  }
}

const round = (v: number) => Math.round(v * 100) / 100;
