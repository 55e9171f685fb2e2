import type { ConnectorCheckError } from '@conduit/connectors';
import { startBitbucket, startGitHttp, startGitHub, startGitLab, type BitbucketStandIn, type GitHttpPeer, type GitHubStandIn, type GitLabStandIn } from '../peers';
import { context, failure, text } from '../support/connector-check';

const secretFree = (error: ConnectorCheckError, secret: string) => expect(`${error.message} ${error.hint ?? ''}`).not.toContain(secret);

describe('Github connector test (STAND-IN for the GitHub REST API)', () => {
  let github: GitHubStandIn;
  beforeAll(async () => {
    github = await startGitHub();
  });
  afterAll(() => github?.stop());
  beforeEach(() => github.clearRequests());

  const tokenSpec = (extra: Record<string, unknown> = {}) => ({
    url: `${github.url}/conduit/demo`,
    apiUrl: github.url,
    type: 'Repo',
    authentication: { type: 'Http', spec: { type: 'UsernameToken', spec: { username: 'conduit-bot', tokenRef: 'tok' } } },
    ...extra,
  });

  it('authenticates the token at /user and reads the repository', async () => {
    const { test, stages } = context('Github', tokenSpec(), { tok: text(github.token) });
    const outcome = await test();
    expect(outcome.details).toMatchObject({ login: github.login, repository: 'conduit/demo', defaultBranch: 'main', push: true });
    expect(outcome.message).toBe(`GitHub API ${github.url} authenticated ${github.login}; repository conduit/demo is readable (default branch main, push allowed)`);
    expect(github.requests.map((r) => `${r.method} ${r.path} ${r.status} ${r.headers['authorization']}`)).toEqual([
      'GET /user 200 Bearer <redacted>',
      'GET /repos/conduit/demo 200 Bearer <redacted>',
    ]);
    expect(stages.every((s) => s.ok)).toBe(true);
  });

  it('read-file reads a file through the contents API, at the default branch or a given ref', async () => {
    const { action } = context('Github', tokenSpec(), { tok: text(github.token) });
    const file = await action('read-file', { path: 'deploy/values.yaml' });
    expect(file.details).toEqual({ path: 'deploy/values.yaml', ref: null, blob: expect.stringMatching(/^[0-9a-f]{40}$/), size: 12, encoding: 'utf-8', content: 'replicas: 2\n' });
    expect(github.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /user 200', 'GET /repos/conduit/demo/contents/deploy/values.yaml 200']);
    expect((await action('read-file', { path: 'README.md', ref: 'main' })).details).toMatchObject({ content: '# demo\n', ref: 'main' });
  });

  it('read-file names a missing path, an unknown ref and a directory', async () => {
    const { action } = context('Github', tokenSpec(), { tok: text(github.token) });
    await expect(action('read-file', { path: 'nope.txt' })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', stage: 'operation' });
    const ref = await action('read-file', { path: 'README.md', ref: 'v9' }).catch((e: ConnectorCheckError) => e);
    expect(ref).toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect((ref as ConnectorCheckError).message).toContain('(No commit found for the ref v9)');
    await expect(action('read-file', { path: 'deploy' })).rejects.toMatchObject({ code: 'NOT_A_FILE' });
  });

  it('reports a wrong token as AUTHENTICATION_FAILED naming the API URL, without retrying or echoing it', async () => {
    const wrong = 'ghp_wrongwrongwrongwrongwrongwrongwrong';
    const error = await failure(context('Github', tokenSpec(), { tok: text(wrong) }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(`authentication failed: the token rejected by ${github.url}/user (401)`);
    secretFree(error, wrong);
    expect(github.requests).toHaveLength(1);
  });

  it('reports a validation repository the token cannot see as REPOSITORY_NOT_FOUND', async () => {
    const error = await failure(context('Github', tokenSpec({ url: `${github.url}/conduit`, type: 'Account', validationRepo: 'secret' }), { tok: text(github.token) }).test());
    expect(error).toMatchObject({ code: 'REPOSITORY_NOT_FOUND', stage: 'operation' });
    expect(error.message).toBe(`repository conduit/secret not found, or not visible to ${github.login}, at ${github.url}/repos/conduit/secret (404)`);
  });

  it('with GitHub App API access, signs a JWT, gets an installation token and reads the repository with it', async () => {
    const spec = tokenSpec({
      apiAccess: { type: 'GithubApp', spec: { applicationId: String(github.app.id), installationId: String(github.app.installationId), privateKeyRef: 'app_key' } },
    });
    const outcome = await context('Github', spec, { tok: text(github.token), app_key: text(github.app.privateKey) }).test();
    expect(outcome.details).toMatchObject({ repository: 'conduit/demo', login: `app ${github.app.id} (installation ${github.app.installationId})` });
    expect(github.installationTokens).toHaveLength(1);
    expect(github.requests.map((r) => `${r.method} ${r.path} ${r.status} ${r.identity}`)).toEqual([
      `POST /app/installations/${github.app.installationId}/access_tokens 201 app:${github.app.id}`,
      `GET /repos/conduit/demo 200 installation:${github.app.installationId}`,
    ]);
  });

  it('reports an exhausted rate limit as RATE_LIMITED with the reset time, not as bad credentials', async () => {
    github.setRateLimited(true);
    try {
      const error = await failure(context('Github', tokenSpec(), { tok: text(github.token) }).test());
      expect(error).toMatchObject({ code: 'RATE_LIMITED', stage: 'connection' });
      expect(error.message).toMatch(/^GitHub API rate limit exhausted at http:\/\/127\.0\.0\.1:\d+\/user; it resets at \d{4}-/);
    } finally {
      github.setRateLimited(false);
    }
  });
});

describe('Gitlab connector test (STAND-IN for the GitLab REST API v4)', () => {
  let gitlab: GitLabStandIn;
  beforeAll(async () => {
    gitlab = await startGitLab();
  });
  afterAll(() => gitlab?.stop());

  const spec = () => ({ url: `${gitlab.url}/conduit/demo.git`, type: 'Repo', authentication: { type: 'Http', spec: { type: 'UsernameToken', spec: { username: 'conduit-bot', tokenRef: 'tok' } } } });

  it('authenticates the access token (PRIVATE-TOKEN) at /api/v4/user, the API base derived from the URL', async () => {
    gitlab.clearRequests();
    const outcome = await context('Gitlab', spec(), { tok: text(gitlab.token) }).test();
    expect(outcome.details).toMatchObject({ apiUrl: `${gitlab.url}/api/v4`, username: gitlab.username });
    expect(gitlab.requests[0]).toMatchObject({ path: '/api/v4/user', status: 200, headers: { 'private-token': '<redacted>' } });
  });

  it('reports a wrong token as AUTHENTICATION_FAILED and a token without API scope as FORBIDDEN with the scope to add', async () => {
    const wrong = 'glpat-wrongwrongwrong';
    const error = await failure(context('Gitlab', spec(), { tok: text(wrong) }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(`authentication failed: the access token rejected by ${gitlab.url}/api/v4/user (401)`);
    secretFree(error, wrong);
    const narrow = await failure(context('Gitlab', spec(), { tok: text(gitlab.narrowToken) }).test());
    expect(narrow).toMatchObject({ code: 'FORBIDDEN', stage: 'authentication' });
    expect(narrow.hint).toContain('read_user');
  });
});

describe('Bitbucket connector test (STAND-IN for Bitbucket Cloud API 2.0; REAL git http-backend for Data Center)', () => {
  let bitbucket: BitbucketStandIn;
  let git: GitHttpPeer;
  beforeAll(async () => {
    [bitbucket, git] = await Promise.all([startBitbucket(), startGitHttp()]);
  });
  afterAll(async () => {
    await bitbucket?.stop();
    await git?.stop();
  });

  const cloud = () => ({
    url: `${bitbucket.url}/conduit/demo.git`,
    apiUrl: bitbucket.url,
    type: 'Repo',
    authentication: { type: 'Http', spec: { type: 'UsernamePassword', spec: { username: bitbucket.username, passwordRef: 'pw' } } },
  });

  it('authenticates the app password (Basic) at /2.0/user', async () => {
    const outcome = await context('Bitbucket', cloud(), { pw: text(bitbucket.appPassword) }).test();
    expect(outcome.details).toMatchObject({ username: bitbucket.username });
    expect(bitbucket.requests.at(-1)).toMatchObject({ path: '/2.0/user', status: 200, identity: bitbucket.username });
  });

  it('reports a wrong app password as AUTHENTICATION_FAILED naming user and URL, without the password', async () => {
    const wrong = 'ATBBwrongwrongwrong';
    const error = await failure(context('Bitbucket', cloud(), { pw: text(wrong) }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(`authentication failed: the app password of user '${bitbucket.username}' rejected by ${bitbucket.url}/2.0/user (401)`);
    secretFree(error, wrong);
  });

  it('on a Data Center host (not bitbucket.org, no apiUrl) lists the repository refs over Git instead', async () => {
    const spec = { url: git.repoUrl, type: 'Repo', authentication: { type: 'Http', spec: { type: 'UsernamePassword', spec: { username: git.username, passwordRef: 'pw' } } } };
    const outcome = await context('Bitbucket', spec, { pw: text(git.password) }).test();
    expect(outcome.details).toMatchObject({ transport: 'http', refs: 4, head: 'refs/heads/main' });
  });
});
