import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { ConnectorAction, ConnectorCheckError, ConnectorOperations, connectorCa, OperationContext } from './context';
import { cloneUrlOf, gitHttpEnvironment, gitSshEnvironment } from './git-auth';
import { gitConnectorCredentials, GitCredentials, gitOperations, listRefs, parseGitRemote, repositoryUrlOf } from './git-test';
import { describeUrl, untrustedCertificate } from './http-client';
import { describeSshTarget, pinnedKnownHostsLine } from './ssh-probe';
import { filePathInput, MAX_FILE_BYTES, refInput, repoInput } from './git-inputs';
import { githubReadFile, scmGitCredentials } from './scm-test';

// Operations on a Git repository reached with a connector's Git credentials: list its refs (the smart-HTTP
// or SSH ref advertisement, as `git ls-remote`), and read one file at a ref (a shallow fetch of that ref
// with the system git into a temporary directory, removed afterwards).



/** How an operation finds the repository and the credentials from a connector's spec. */
export interface GitRepositoryAccess {
  /** The repository URL; `repo` names one under an account-level connector. */
  repositoryUrl(spec: Record<string, unknown>, repo: string | undefined): string;
  credentials(ctx: OperationContext): GitCredentials;
}

export function gitActions(access: GitRepositoryAccess): Record<string, ConnectorAction> {
  return {
    'list-refs': {
      description: 'The branches and tags of the repository with their commit ids, as `git ls-remote` lists them',
      input: z.object({ repo: repoInput }).strict(),
      async run(ctx, input: { repo?: string | undefined }) {
        const listing = await listRefs(ctx, access.repositoryUrl(ctx.spec, input.repo), access.credentials(ctx));
        const ad = listing.advertisement;
        return {
          message: `${ad.refs.length} refs in ${listing.where} (HEAD → ${ad.head ?? 'unknown'})`,
          details: { refs: ad.refs, head: ad.head ?? null, headCommit: ad.headOid ?? null, latencyMs: listing.latencyMs },
        };
      },
    },
    'read-file': {
      description: 'The content of one file at a ref (branch, tag or commit; HEAD by default), at most 1 MiB',
      input: z.object({ path: filePathInput, ref: refInput.default('HEAD'), repo: repoInput }).strict(),
      async run(ctx, input: { path: string; ref: string; repo?: string | undefined }) {
        const file = await readFileAtRef(ctx, access.repositoryUrl(ctx.spec, input.repo), access.credentials(ctx), input.ref, input.path);
        return { message: `${input.path} at ${input.ref} (${file.commit.slice(0, 12)}): ${file.size} bytes`, details: { path: input.path, ref: input.ref, ...file } };
      },
    },
  };
}

interface GitRun {
  stdout: Buffer;
  stderr: string;
}

function git(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; signal: AbortSignal }): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: options.cwd, env: options.env, signal: options.signal, encoding: 'buffer', maxBuffer: MAX_FILE_BYTES + 64 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      const run = { stdout, stderr: stderr.toString('utf8') };
      if (error) reject(Object.assign(error, run));
      else resolve(run);
    });
  });
}

/** The first line of git's complaint, without the `fatal: ` prefix. */
const gitReason = (error: unknown) => ((error as Partial<GitRun>).stderr ?? (error as Error).message).replace(/^(?:fatal|error): /gm, '').trim().split('\n')[0] ?? '';

/**
 * The environment that lets the system git authenticate as the connector without a credential on its
 * command line: an HTTP header (and the connector's CA) from GIT_CONFIG_* variables, or an SSH key file and a known_hosts holding
 * exactly the host key that matched the pin (checked first over ssh2, which also proves the login).
 */
async function gitEnvironment(ctx: OperationContext, repositoryUrl: string, credentials: GitCredentials, dir: string): Promise<NodeJS.ProcessEnv> {
  const base: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: dir, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LANG: 'C' };
  const remote = parseGitRemote(repositoryUrl);
  if (remote.transport === 'http') {
    const ca = connectorCa(ctx);
    return { ...base, ...(await gitHttpEnvironment(credentials.http?.headers ?? {}, ca ? { pem: ca, dir } : undefined)) };
  }
  const ssh = credentials.ssh;
  if (!ssh) throw new ConnectorCheckError('URL_TRANSPORT_MISMATCH', 'connection', `spec.url: ${describeSshTarget(remote.target)} is reached over SSH, but the connector holds HTTP credentials`);
  if (ssh.key.passphrase) throw new ConnectorCheckError('UNSUPPORTED_AUTH', 'authentication', 'read-file over SSH cannot use a passphrase-protected key in this delegate version', 'use a key without a passphrase, or an HTTPS connector');
  return { ...base, ...(await gitSshEnvironment(ssh.key, await pinnedKnownHostsLine(ctx, remote.target, ssh.key, ssh.knownHostFingerprints), dir)) };
}

/** Fetches `ref` (depth 1) into a temporary repository and reads `filePath` from it. */
export async function readFileAtRef(ctx: OperationContext, repositoryUrl: string, credentials: GitCredentials, ref: string, filePath: string) {
  const where = /^https?:/i.test(repositoryUrl) ? describeUrl(repositoryUrl) : repositoryUrl;
  const dir = await mkdtemp(path.join(tmpdir(), 'conduit-git-'));
  try {
    const env = await gitEnvironment(ctx, repositoryUrl, credentials, dir);
    const options = { cwd: dir, env, signal: ctx.signal };
    await git(['init', '-q', '--bare', 'repo'], options);
    const inRepo = { ...options, cwd: path.join(dir, 'repo') };
    try {
      await git(['fetch', '-q', '--depth=1', '--no-tags', '--', repositoryUrl, ref], inRepo);
    } catch (error) {
      const reason = gitReason(error);
      if (/couldn't find remote ref|not our ref|unadvertised object/i.test(reason)) throw new ConnectorCheckError('REF_NOT_FOUND', 'operation', `ref '${ref}' not found in ${where}: ${reason}`, 'give a branch, tag or commit id that exists');
      if (/Authentication failed|403|could not read Username|Permission denied/i.test(reason)) throw new ConnectorCheckError('AUTHENTICATION_FAILED', 'authentication', `authentication failed: git fetch from ${where} was refused (${reason})`, 'check the credentials the connector refers to');
      if (/SSL certificate problem|certificate verification failed/i.test(reason)) throw untrustedCertificate(where, reason);
      throw new ConnectorCheckError('GIT_FETCH_FAILED', 'connection', `git fetch of '${ref}' from ${where} failed: ${reason}`);
    }
    const object = `FETCH_HEAD:${filePath}`;
    let size: number;
    try {
      const type = (await git(['cat-file', '-t', object], inRepo)).stdout.toString('utf8').trim();
      if (type !== 'blob') throw new ConnectorCheckError('NOT_A_FILE', 'operation', `${filePath} at ${ref} is a ${type}, not a file`);
      size = Number((await git(['cat-file', '-s', object], inRepo)).stdout.toString('utf8').trim());
    } catch (error) {
      if (error instanceof ConnectorCheckError) throw error;
      throw new ConnectorCheckError('FILE_NOT_FOUND', 'operation', `${filePath} does not exist at ${ref} in ${where}`, 'check the path (relative to the repository root) and the ref');
    }
    if (size > MAX_FILE_BYTES) throw new ConnectorCheckError('FILE_TOO_LARGE', 'operation', `${filePath} at ${ref} is ${size} bytes; read-file returns at most ${MAX_FILE_BYTES}`);
    const [content, commit, blob] = await Promise.all([git(['cat-file', 'blob', object], inRepo), git(['rev-parse', 'FETCH_HEAD'], inRepo), git(['rev-parse', object], inRepo)]);
    const text = content.stdout.toString('utf8');
    const binary = !Buffer.from(text, 'utf8').equals(content.stdout);
    return {
      commit: commit.stdout.toString('utf8').trim(),
      blob: blob.stdout.toString('utf8').trim(),
      size,
      encoding: binary ? 'base64' : 'utf-8',
      content: binary ? content.stdout.toString('base64') : text,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The generic Git connector: its test, and list-refs and read-file over HTTPS or SSH. */
export const gitConnectorOperations: ConnectorOperations = {
  ...gitOperations,
  actions: gitActions({
    repositoryUrl: (spec, repo) => (repo ? cloneUrlOf('Git', spec, repo) : repositoryUrlOf(spec, 'connectionType', ['Account'])),
    credentials: gitConnectorCredentials,
  }),
};

/** Git operations of the provider connectors (GitHub, GitLab, Bitbucket, Azure Repos) over their Git endpoint. */
const scmGitActions = gitActions({
  repositoryUrl: (spec, repo) => (repo ? cloneUrlOf('Scm', spec, repo) : repositoryUrlOf(spec, 'type', ['Account', 'Project'])),
  credentials: (ctx) => scmGitCredentials(ctx, ctx.spec),
});

/** A provider connector's test with the Git operations; GitHub reads files through its contents API. */
export function scmConnectorOperations(operations: ConnectorOperations, provider?: 'github'): ConnectorOperations {
  return { ...operations, actions: provider === 'github' ? { ...scmGitActions, 'read-file': githubReadFile } : scmGitActions };
}
