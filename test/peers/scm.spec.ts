// GitHub (token, App JWT, installation token, rate limit), GitLab and Bitbucket stand-ins.
import { BitbucketStandIn, startBitbucket } from './bitbucket';
import { GitHubStandIn, startGitHub } from './github';
import { GitLabStandIn, startGitLab } from './gitlab';
import { signRs256 } from './jwt';

async function call(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('GitHub stand-in', () => {
  let github: GitHubStandIn;
  beforeAll(async () => (github = await startGitHub()));
  afterAll(() => github?.stop());
  afterEach(() => github.setRateLimited(false));

  const appJwt = (claims: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return signRs256({ iat: now - 60, exp: now + 540, iss: String(github.app.id), ...claims }, github.app.privateKey);
  };

  it('GET /user with a token (Bearer or token scheme)', async () => {
    for (const scheme of ['Bearer', 'token']) {
      const user = await call(`${github.url}/user`, { headers: { authorization: `${scheme} ${github.token}` } });
      expect(user.status).toBe(200);
      expect(user.body['login']).toBe(github.login);
      expect(user.headers.get('x-oauth-scopes')).toBe('repo, read:org');
    }
    expect(github.requests.at(-1)).toMatchObject({
      identity: github.login,
      headers: { authorization: 'token <redacted>' },
    });
  });

  it('answers a bad token with 401 Bad credentials', async () => {
    const user = await call(`${github.url}/user`, { headers: { authorization: 'Bearer ghp_wrong' } });
    expect(user).toMatchObject({
      status: 401,
      body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
    });
  });

  it('GET /repos/{owner}/{repo}, 404 for a repository it cannot see', async () => {
    const headers = { authorization: `Bearer ${github.token}` };
    expect((await call(`${github.url}/repos/conduit/demo`, { headers })).body).toMatchObject({
      full_name: 'conduit/demo',
      private: true,
    });
    expect(await call(`${github.url}/repos/conduit/secret`, { headers })).toMatchObject({
      status: 404,
      body: { message: 'Not Found' },
    });
  });

  it('authenticates the App with an RS256 JWT and issues an installation token', async () => {
    const app = await call(`${github.url}/app`, { headers: { authorization: `Bearer ${appJwt()}` } });
    expect(app).toMatchObject({ status: 200, body: { id: github.app.id, slug: github.app.slug } });
    const issued = await call(`${github.url}/app/installations/${github.app.installationId}/access_tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${appJwt()}` },
    });
    expect(issued.status).toBe(201);
    expect(issued.body['token']).toMatch(/^ghs_/);
    const repo = await call(`${github.url}/repos/conduit/demo`, {
      headers: { authorization: `token ${issued.body['token']}` },
    });
    expect(repo.status).toBe(200);
    expect(github.requests.at(-1)?.identity).toBe(`installation:${github.app.installationId}`);
  });

  it('refuses an App JWT signed by another key, expired, or too long-lived', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const now = Math.floor(Date.now() / 1000);
    const forged = signRs256({ iat: now - 60, exp: now + 540, iss: String(github.app.id) }, other);
    expect((await call(`${github.url}/app`, { headers: { authorization: `Bearer ${forged}` } })).body['message']).toBe(
      'A JSON web token could not be decoded',
    );
    const expired = await call(`${github.url}/app`, {
      headers: { authorization: `Bearer ${appJwt({ iat: now - 700, exp: now - 100 })}` },
    });
    expect(expired.status).toBe(401);
    expect(String(expired.body['message'])).toContain("'Expiration time' claim ('exp') must be a numeric value");
    const tooLong = await call(`${github.url}/app`, {
      headers: { authorization: `Bearer ${appJwt({ exp: now + 3600 })}` },
    });
    expect(tooLong.body['message']).toBe("'Expiration time' claim ('exp') is too far in the future");
    const wrongInstallation = await call(`${github.url}/app/installations/1/access_tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${appJwt()}` },
    });
    expect(wrongInstallation.status).toBe(404);
  });

  it('answers 403 with x-ratelimit-remaining: 0 when rate limited', async () => {
    github.setRateLimited(true);
    const limited = await call(`${github.url}/user`, { headers: { authorization: `Bearer ${github.token}` } });
    expect(limited.status).toBe(403);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(String(limited.body['message'])).toContain('API rate limit exceeded');
  });
});

describe('GitLab stand-in', () => {
  let gitlab: GitLabStandIn;
  beforeAll(async () => (gitlab = await startGitLab()));
  afterAll(() => gitlab?.stop());

  it('GET /api/v4/user with PRIVATE-TOKEN or Bearer; 401 and 403 insufficient_scope', async () => {
    expect(
      (await call(`${gitlab.url}/api/v4/user`, { headers: { 'PRIVATE-TOKEN': gitlab.token } })).body,
    ).toMatchObject({
      username: gitlab.username,
      state: 'active',
    });
    expect(
      (await call(`${gitlab.url}/api/v4/user`, { headers: { authorization: `Bearer ${gitlab.token}` } })).status,
    ).toBe(200);
    expect(await call(`${gitlab.url}/api/v4/user`, { headers: { 'PRIVATE-TOKEN': 'glpat-wrong' } })).toMatchObject({
      status: 401,
      body: { message: '401 Unauthorized' },
    });
    expect(await call(`${gitlab.url}/api/v4/user`, { headers: { 'PRIVATE-TOKEN': gitlab.narrowToken } })).toMatchObject(
      {
        status: 403,
        body: { error: 'insufficient_scope' },
      },
    );
    expect(gitlab.requests[0].headers['private-token']).toBe('<redacted>');
  });
});

describe('Bitbucket stand-in', () => {
  let bitbucket: BitbucketStandIn;
  beforeAll(async () => (bitbucket = await startBitbucket()));
  afterAll(() => bitbucket?.stop());

  it('GET /2.0/user with Basic auth; 401 with a Basic challenge otherwise', async () => {
    const basic = (password: string) => ({
      authorization: `Basic ${Buffer.from(`${bitbucket.username}:${password}`).toString('base64')}`,
    });
    expect(await call(`${bitbucket.url}/2.0/user`, { headers: basic(bitbucket.appPassword) })).toMatchObject({
      status: 200,
      body: { type: 'user', username: bitbucket.username },
    });
    const refused = await call(`${bitbucket.url}/2.0/user`, { headers: basic('wrong') });
    expect(refused).toMatchObject({ status: 401, body: { type: 'error' } });
    expect(refused.headers.get('www-authenticate')).toContain('Basic realm=');
  });
});
