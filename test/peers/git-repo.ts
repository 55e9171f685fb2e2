// A bare Git repository with known content, served by the SSH and smart-HTTP peers.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { requireBinary, run } from './support';

export const README_CONTENT = '# demo\n\nServed by a Conduit test peer.\n';
export const DEV_FILE_CONTENT = 'work in progress\n';

export interface SeededRepository {
  /** Absolute path of the bare repository (`…/team/demo.git`). */
  path: string;
  branches: { main: string; dev: string };
  /** Annotated tag `v1.0` on the first commit of main: the tag object and the commit it points to. */
  tag: { name: 'v1.0'; object: string; commit: string };
  readme: { path: 'README.md'; content: string };
}

/**
 * Isolated from the host's Git configuration, with fixed identities and dates so that the commit ids
 * are the same on every run.
 */
export function gitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

/** Creates `<root>/<relativePath>` as a bare repository: main (2 commits, README.md), dev (+1), tag v1.0. */
export async function seedBareRepository(root: string, relativePath = 'team/demo.git'): Promise<SeededRepository> {
  const git = requireBinary('git', 'git');
  const work = path.join(root, '.seed-work');
  const bare = path.join(root, relativePath);
  mkdirSync(work, { recursive: true });
  mkdirSync(path.dirname(bare), { recursive: true });
  let clock = 1_700_000_000;
  const at = (): NodeJS.ProcessEnv => {
    const date = `${clock++} +0000`;
    return gitEnv({
      GIT_AUTHOR_NAME: 'Conduit Test',
      GIT_AUTHOR_EMAIL: 'test@conduit.invalid',
      GIT_COMMITTER_NAME: 'Conduit Test',
      GIT_COMMITTER_EMAIL: 'test@conduit.invalid',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    });
  };
  const g = async (...args: string[]) => (await run(git, args, { cwd: work, env: at() })).stdout.trim();

  await g('init', '--quiet', '--initial-branch=main');
  writeFileSync(path.join(work, 'README.md'), README_CONTENT);
  await g('add', 'README.md');
  await g('commit', '--quiet', '-m', 'Add README');
  await g('tag', '-a', 'v1.0', '-m', 'Release 1.0');
  writeFileSync(path.join(work, 'CHANGELOG.md'), '## 1.0\n\n- first release\n');
  await g('add', 'CHANGELOG.md');
  await g('commit', '--quiet', '-m', 'Add changelog');
  await g('checkout', '--quiet', '-b', 'dev');
  writeFileSync(path.join(work, 'dev.txt'), DEV_FILE_CONTENT);
  await g('add', 'dev.txt');
  await g('commit', '--quiet', '-m', 'Start dev work');
  await g('checkout', '--quiet', 'main');
  await run(git, ['clone', '--quiet', '--bare', work, bare], { env: at() });

  const result: SeededRepository = {
    path: bare,
    branches: { main: await g('rev-parse', 'main'), dev: await g('rev-parse', 'dev') },
    tag: { name: 'v1.0', object: await g('rev-parse', 'v1.0'), commit: await g('rev-parse', 'v1.0^{commit}') },
    readme: { path: 'README.md', content: README_CONTENT },
  };
  rmSync(work, { recursive: true, force: true });
  return result;
}
