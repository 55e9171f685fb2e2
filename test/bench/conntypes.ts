import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startGitHttp } from '../peers';
import { startStack } from '../support/stack';
import { measure, printTable, Sample } from './stats';

const run = promisify(execFile);
const N = 40;

/**
 * Issue 6's benchmark: listing a repository's refs through the API, a `connector.operation` (and a
 * connection test) run by a real delegate against the real git http-backend peer, beside the floor of a
 * direct `git ls-remote` to the same peer with the same credentials, in the same run. Target: ≤ 1.5x.
 */
export async function benchConntypes(): Promise<Sample[]> {
  const git = await startGitHttp();
  const stack = await startStack({ name: 'bench-conntypes', delegateEnv: { DELEGATE_TAGS: 'bench' } });
  try {
    const { api } = stack;
    const ok = (what: string, status: number, body: unknown) => {
      if (status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
    };
    const secret = await api('POST', '/v1/secrets', { identifier: 'git_pw', name: 'git_pw', kind: 'text', value: { value: git.password } });
    ok('secret', secret.status, secret.body);
    const connector = await api('POST', '/v1/connectors', {
      identifier: 'repo',
      name: 'repo',
      type: 'Git',
      spec: { type: 'Http', connectionType: 'Repo', url: git.repoUrl, spec: { username: git.username, passwordRef: 'git_pw' }, delegateSelectors: ['bench'] },
    });
    ok('connector', connector.status, connector.body);
    const basic = Buffer.from(`${git.username}:${git.password}`).toString('base64');
    const through = (route: string) => async () => {
      const answer = await api('POST', route);
      if (answer.body['status'] !== 'SUCCESS') throw new Error(`${route}: ${JSON.stringify(answer.body)}`);
    };
    const floor = await measure('floor: git ls-remote (direct, same peer)', N, () => run('git', ['-c', `http.extraHeader=Authorization: Basic ${basic}`, 'ls-remote', git.repoUrl], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }), 5);
    // What the task path itself costs (route, offer over the WebSocket, result), with nothing to run.
    const noop = async () => {
      const created = await api('POST', '/v1/tasks', { kind: 'noop', selectors: ['bench'] });
      const done = await api('GET', `/v1/tasks/${String(created.body['id'])}?wait=true`);
      if (done.body['status'] !== 'succeeded') throw new Error(`noop: ${JSON.stringify(done.body)}`);
    };
    const samples = [
      await measure('dispatch only: noop task (POST, then GET ?wait=true)', N, noop, 5),
      await measure('list-refs operation: API → task → delegate → peer', N, through('/v1/connectors/repo/operations/list-refs?wait=true'), 5),
      await measure('connection test: API → task → delegate → peer', N, through('/v1/connectors/repo/test?wait=true'), 5),
    ];
    printTable('git ls-remote through a delegate vs direct, against the local git http-backend peer (target p50 <= 1.5x floor)', [floor, ...samples], floor);
    console.log(JSON.stringify({ floor, samples, ratios: samples.map((s) => ({ name: s.name, p50OverFloor: Math.round((s.p50 / floor.p50) * 100) / 100 })) }));
    return [floor, ...samples];
  } finally {
    await stack.stop();
    await git.stop();
  }
}
