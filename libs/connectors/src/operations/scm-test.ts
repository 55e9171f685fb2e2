import { createSign } from 'node:crypto';
import { z } from 'zod';
import { CheckOutcome, ConnectorAction, ConnectorCheckError, ConnectorOperations, OperationContext, secretText } from './context';
import { filePathInput, MAX_FILE_BYTES, refInput, repoInput } from './git-inputs';
import { basicGitCredentials, GitCredentials, listRefs, parseGitRemote, refsOutcome, repositoryUrlOf, sshCredentials } from './git-test';
import { authenticationError, describeUrl, HttpAnswer, httpCall, parseJson } from './http-client';
import { basicAuthorization, usernameOf } from './http-auth';

// Connection tests of the Git providers (Github, Gitlab, Bitbucket): the provider's REST API with the API
// credentials (apiAccess, or the HTTP credentials when they are a token), and the repository the connector
// names. Where the API cannot be used (SSH-only credentials, a password), the test lists the repository's
// refs over Git instead, as the plain Git connector does.

type Spec = Record<string, unknown>;
const obj = (value: unknown): Spec => (value && typeof value === 'object' ? (value as Spec) : {});

/** `owner/repo` of the repository the test reads (Repo: from the URL; Account: owner from the URL + validationRepo). */
export function ownerAndRepo(spec: Spec): { owner: string; repo: string } {
  const remote = parseGitRemote(spec['url'] as string);
  const segments = (remote.transport === 'http' ? new URL(remote.url).pathname : remote.path)
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  const isAccount = spec['type'] === 'Account';
  const validation = (spec['validationRepo'] as string | undefined)?.replace(/\.git$/, '');
  if (isAccount) {
    if (!validation) throw new ConnectorCheckError('VALIDATION_REPO_REQUIRED', 'operation', 'spec.validationRepo: an Account connector needs a repository to test with', 'name a repository the credentials can read');
    if (validation.includes('/')) {
      const [owner, ...rest] = validation.split('/');
      return { owner: owner as string, repo: rest.join('/') };
    }
    if (!segments[0]) throw new ConnectorCheckError('URL_WITHOUT_OWNER', 'operation', `spec.url: ${describeUrl(spec['url'] as string)} names no account (expected …/<owner>)`);
    return { owner: segments[0], repo: validation };
  }
  if (segments.length < 2) throw new ConnectorCheckError('URL_WITHOUT_REPOSITORY', 'operation', `spec.url: a Repo connector's URL must name <owner>/<repository>`);
  return { owner: segments[segments.length - 2] as string, repo: segments[segments.length - 1] as string };
}

function json(answer: HttpAnswer): Spec {
  try {
    return obj(JSON.parse(answer.text));
  } catch {
    return {};
  }
}

function unexpected(answer: HttpAnswer, url: string, expected: string): ConnectorCheckError {
  return new ConnectorCheckError('UNEXPECTED_STATUS', 'operation', `${describeUrl(url)} answered ${answer.status}, expected ${expected}`);
}

/** The HTTP-side credential block: `authentication.spec` when authentication is Http. */
function httpCredentialBlock(spec: Spec): Spec | undefined {
  const authentication = obj(spec['authentication']);
  return authentication['type'] === 'Http' ? obj(authentication['spec']) : undefined;
}

/** Git over SSH or HTTP, for when no API credential is available (and for operations over Git). */
export function scmGitCredentials(ctx: OperationContext, spec: Spec): GitCredentials {
  const authentication = obj(spec['authentication']);
  if (authentication['type'] === 'Ssh') return sshCredentials(ctx, obj(authentication['spec']), 'spec.authentication.spec');
  const http = obj(authentication['spec']);
  return basicGitCredentials(ctx, obj(http['spec']), 'spec.authentication.spec.spec');
}

async function gitFallback(ctx: OperationContext, credentials: GitCredentials): Promise<CheckOutcome> {
  const listing = await ctx.stage('connection', () => listRefs(ctx, repositoryUrlOf(ctx.spec, 'type', ['Account', 'Project']), credentials));
  return ctx.stage('operation', async () => refsOutcome(listing));
}

// ---- GitHub --------------------------------------------------------------------------------------------

/** api.github.com for github.com; `<host>/api/v3` for GitHub Enterprise Server; `apiUrl` when the spec sets it. */
export function githubApiBase(spec: Spec): string {
  if (typeof spec['apiUrl'] === 'string') return spec['apiUrl'].replace(/\/+$/, '');
  const remote = parseGitRemote(spec['url'] as string);
  const host = remote.transport === 'http' ? new URL(remote.url).host : remote.target.host;
  if (/^(www\.)?github\.com$/i.test(host)) return 'https://api.github.com';
  return `${remote.transport === 'http' ? new URL(remote.url).origin : `https://${host}`}/api/v3`;
}

const GITHUB_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'conduit-connection-test' };

function githubFailure(answer: HttpAnswer, url: string, what: string): ConnectorCheckError {
  if (answer.status === 403 && answer.headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(answer.headers['x-ratelimit-reset']);
    return new ConnectorCheckError('RATE_LIMITED', 'connection', `GitHub API rate limit exhausted at ${describeUrl(url)}${Number.isFinite(reset) ? `; it resets at ${new Date(reset * 1000).toISOString()}` : ''}`, 'wait for the reset, or use a GitHub App (higher limits)');
  }
  return authenticationError(answer, url, what);
}

/** RS256 JWT a GitHub App signs to act as itself: issued a minute ago (clock drift), valid 9 minutes. */
function githubAppJwt(appId: string, privateKeyPem: string): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iat: now - 60, exp: now + 540, iss: appId })}`;
  try {
    return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKeyPem).toString('base64url')}`;
  } catch {
    throw new ConnectorCheckError('APP_KEY_INVALID', 'authentication', 'the GitHub App private key could not sign a token (is it the PEM GitHub issued?)');
  }
}

type GithubApiCredential = { kind: 'token'; token: string; what: string } | { kind: 'app'; appId: string; installationId: string; privateKey: string };

function githubApiCredential(ctx: OperationContext, spec: Spec): GithubApiCredential | undefined {
  const block = spec['apiAccess'] ? obj(spec['apiAccess']) : httpCredentialBlock(spec);
  const path = spec['apiAccess'] ? 'spec.apiAccess.spec' : 'spec.authentication.spec.spec';
  if (!block) return undefined;
  const inner = obj(block['spec']);
  switch (block['type']) {
    case 'Token':
    case 'OAuth':
    case 'UsernameToken':
      return { kind: 'token', token: secretText(ctx, inner['tokenRef'] as string, `${path}.tokenRef`), what: block['type'] === 'OAuth' ? 'the OAuth token' : 'the token' };
    case 'GithubApp': {
      const plainOrSecret = (plain: string) => (inner[plain] as string | undefined) ?? secretText(ctx, inner[`${plain}Ref`] as string, `${path}.${plain}Ref`);
      return { kind: 'app', appId: plainOrSecret('applicationId'), installationId: plainOrSecret('installationId'), privateKey: secretText(ctx, inner['privateKeyRef'] as string, `${path}.privateKeyRef`) };
    }
    default:
      return undefined; // UsernamePassword, Anonymous: no API token
  }
}

/** A token for the API and who it is: the token itself (checked at /user), or an App installation token. */
async function githubIdentity(ctx: OperationContext, api: string, credential: GithubApiCredential | null): Promise<{ token: string | undefined; who: string }> {
  if (!credential) return { token: undefined, who: 'anonymous' };
  if (credential.kind === 'token') {
    const url = `${api}/user`;
    const answer = await httpCall(ctx, { url, headers: { ...GITHUB_HEADERS, authorization: `Bearer ${credential.token}` } });
    if (answer.status !== 200) throw answer.status === 401 || answer.status === 403 ? githubFailure(answer, url, credential.what) : unexpected(answer, url, '200');
    return { token: credential.token, who: String(json(answer)['login']) };
  }
  const jwt = githubAppJwt(credential.appId, credential.privateKey);
  const url = `${api}/app/installations/${encodeURIComponent(credential.installationId)}/access_tokens`;
  const answer = await httpCall(ctx, { url, method: 'POST', headers: { ...GITHUB_HEADERS, authorization: `Bearer ${jwt}` }, retry: false });
  if (answer.status === 404) throw new ConnectorCheckError('INSTALLATION_NOT_FOUND', 'authentication', `GitHub App ${credential.appId} has no installation ${credential.installationId} at ${describeUrl(url)} (404)`, 'check the installation id (Settings → GitHub Apps → Configure: the number in the URL)');
  if (answer.status !== 201) throw answer.status === 401 || answer.status === 403 ? githubFailure(answer, url, `the GitHub App ${credential.appId} JWT`) : unexpected(answer, url, '201');
  const token = json(answer)['token'];
  if (typeof token !== 'string') throw unexpected(answer, url, 'an installation token');
  return { token, who: `app ${credential.appId} (installation ${credential.installationId})` };
}

export const githubOperations: ConnectorOperations = {
  async test(ctx) {
    const spec = ctx.spec;
    const credential = await ctx.stage('authentication', async () => githubApiCredential(ctx, spec) ?? (httpCredentialBlock(spec)?.['type'] === 'Anonymous' ? null : scmGitCredentials(ctx, spec)));
    if (credential && !('kind' in credential)) return gitFallback(ctx, credential);
    const api = githubApiBase(spec);

    const identity = await ctx.stage('connection', async () => ({ ...ownerAndRepo(spec), ...(await githubIdentity(ctx, api, credential)) }));

    return ctx.stage('operation', async () => {
      const { owner, repo } = identity;
      const url = `${api}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
      const answer = await httpCall(ctx, { url, headers: { ...GITHUB_HEADERS, ...(identity.token ? { authorization: `Bearer ${identity.token}` } : {}) } });
      if (answer.status === 404) throw new ConnectorCheckError('REPOSITORY_NOT_FOUND', 'operation', `repository ${owner}/${repo} not found, or not visible to ${identity.who}, at ${describeUrl(url)} (404)`, 'check the URL or validationRepo, and that the token or App installation covers this repository');
      if (answer.status !== 200) throw answer.status === 401 || answer.status === 403 ? githubFailure(answer, url, 'the token') : unexpected(answer, url, '200');
      const body = json(answer);
      const permissions = obj(body['permissions']);
      return {
        message: `GitHub API ${api} authenticated ${identity.who}; repository ${String(body['full_name'])} is readable (default branch ${String(body['default_branch'])}${permissions['push'] ? ', push allowed' : ''})`,
        details: { apiUrl: api, login: identity.who, repository: body['full_name'], defaultBranch: body['default_branch'], private: body['private'], push: permissions['push'] === true, latencyMs: answer.latencyMs },
      };
    });
  },
};

/** read-file through the contents API (`GET /repos/{owner}/{repo}/contents/{path}?ref=`), with the API credentials. */
export const githubReadFile: ConnectorAction = {
  description: 'The content of one file at a ref (the default branch unless given) through the GitHub contents API, at most 1 MiB',
  input: z.object({ path: filePathInput, ref: refInput.optional(), repo: repoInput }).strict(),
  async run(ctx, input: { path: string; ref?: string | undefined; repo?: string | undefined }) {
    const spec = ctx.spec;
    const credential = githubApiCredential(ctx, spec);
    if (!credential && httpCredentialBlock(spec)?.['type'] !== 'Anonymous') {
      throw new ConnectorCheckError('API_ACCESS_REQUIRED', 'authentication', 'read-file uses the GitHub API, and this connector has no API credential', 'add apiAccess (a token or a GitHub App) to the connector');
    }
    const api = githubApiBase(spec);
    const { token } = await githubIdentity(ctx, api, credential ?? null);
    const { owner, repo } = ownerAndRepo(input.repo ? { ...spec, type: 'Account', validationRepo: input.repo } : spec);
    const url = `${api}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/contents/${input.path.split('/').map(encodeURIComponent).join('/')}${input.ref ? `?ref=${encodeURIComponent(input.ref)}` : ''}`;
    const answer = await httpCall(ctx, { url, headers: { ...GITHUB_HEADERS, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    if (answer.status === 404) {
      const reason = typeof json(answer)['message'] === 'string' ? (json(answer)['message'] as string) : 'Not Found';
      throw new ConnectorCheckError('FILE_NOT_FOUND', 'operation', `${input.path} not found in ${owner}/${repo}${input.ref ? ` at ${input.ref}` : ''}: ${describeUrl(url)} answered 404 (${reason.slice(0, 200)})`, 'check the path, the ref and that the credentials can read this repository');
    }
    if (answer.status !== 200) throw answer.status === 401 || answer.status === 403 ? githubFailure(answer, url, 'the token') : unexpected(answer, url, '200');
    const body = parseJson<unknown>(answer);
    const file = obj(body);
    if (Array.isArray(body) || file['type'] !== 'file') throw new ConnectorCheckError('NOT_A_FILE', 'operation', `${input.path} in ${owner}/${repo} is a ${Array.isArray(body) ? 'directory' : String(file['type'])}, not a file`);
    const size = Number(file['size']);
    // Files over 1 MB come back with encoding "none" and no content.
    if (size > MAX_FILE_BYTES || file['encoding'] !== 'base64') throw new ConnectorCheckError('FILE_TOO_LARGE', 'operation', `${input.path} is ${size} bytes; read-file returns at most ${MAX_FILE_BYTES}`);
    const bytes = Buffer.from(String(file['content']), 'base64');
    const text = bytes.toString('utf8');
    const binary = !Buffer.from(text, 'utf8').equals(bytes);
    return {
      message: `${input.path} in ${owner}/${repo}${input.ref ? ` at ${input.ref}` : ''}: ${size} bytes`,
      details: { path: input.path, ref: input.ref ?? null, blob: file['sha'] ?? null, size, encoding: binary ? 'base64' : 'utf-8', content: binary ? bytes.toString('base64') : text },
    };
  },
};

// ---- GitLab --------------------------------------------------------------------------------------------

/** `<origin>/api/v4` of the GitLab instance the URL points to (`apiUrl` when the spec sets it). */
export function gitlabApiBase(spec: Spec): string {
  if (typeof spec['apiUrl'] === 'string') return spec['apiUrl'].replace(/\/+$/, '');
  const remote = parseGitRemote(spec['url'] as string);
  return `${remote.transport === 'http' ? new URL(remote.url).origin : `https://${remote.target.host}`}/api/v4`;
}

export const gitlabOperations: ConnectorOperations = {
  async test(ctx) {
    const spec = ctx.spec;
    const block = spec['apiAccess'] ? obj(spec['apiAccess']) : httpCredentialBlock(spec);
    const path = spec['apiAccess'] ? 'spec.apiAccess.spec' : 'spec.authentication.spec.spec';
    const tokenKind = block && ['Token', 'UsernameToken', 'OAuth'].includes(block['type'] as string) ? (block['type'] as string) : undefined;
    const credential = await ctx.stage('authentication', async () => {
      if (!tokenKind) return scmGitCredentials(ctx, spec); // a password or SSH key: GitLab's API takes neither
      const token = secretText(ctx, obj(block?.['spec'])['tokenRef'] as string, `${path}.tokenRef`);
      // Personal/project/group access tokens go in PRIVATE-TOKEN; OAuth tokens as Bearer.
      const headers: Record<string, string> = tokenKind === 'OAuth' ? { authorization: `Bearer ${token}` } : { 'private-token': token };
      return { headers };
    });
    if (!('headers' in credential)) return gitFallback(ctx, credential);
    const api = gitlabApiBase(spec);
    const url = `${api}/user`;
    const answer = await ctx.stage('connection', () => httpCall(ctx, { url, headers: { accept: 'application/json', ...credential.headers } }));
    return ctx.stage('operation', async () => {
      if (answer.status === 403 && json(answer)['error'] === 'insufficient_scope') {
        throw new ConnectorCheckError('FORBIDDEN', 'authentication', `authentication failed: the token lacks the scope for ${describeUrl(url)} (403 insufficient_scope)`, 'give the token the read_user or api scope (read_repository alone cannot use the API)');
      }
      if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, tokenKind === 'OAuth' ? 'the OAuth token' : 'the access token');
      if (answer.status !== 200) throw unexpected(answer, url, '200');
      const user = json(answer);
      return { message: `GitLab API ${api} authenticated ${String(user['username'])} in ${answer.latencyMs} ms`, details: { apiUrl: api, username: user['username'], latencyMs: answer.latencyMs } };
    });
  },
};

// ---- Bitbucket -----------------------------------------------------------------------------------------

/** Bitbucket Cloud's API (api.bitbucket.org, or `apiUrl`); undefined for Bitbucket Data Center hosts. */
export function bitbucketCloudApiBase(spec: Spec): string | undefined {
  if (typeof spec['apiUrl'] === 'string') return spec['apiUrl'].replace(/\/+$/, '');
  const remote = parseGitRemote(spec['url'] as string);
  const host = remote.transport === 'http' ? new URL(remote.url).hostname : remote.target.host;
  return /^(www\.)?bitbucket\.org$/i.test(host) ? 'https://api.bitbucket.org' : undefined;
}

export const bitbucketOperations: ConnectorOperations = {
  async test(ctx) {
    const spec = ctx.spec;
    const api = bitbucketCloudApiBase(spec);
    const block = spec['apiAccess'] ? obj(spec['apiAccess']) : httpCredentialBlock(spec);
    const path = spec['apiAccess'] ? 'spec.apiAccess.spec' : 'spec.authentication.spec.spec';
    // Data Center has a different API; its Git endpoint is the dependable check there.
    const usable = api !== undefined && block !== undefined && ['UsernameToken', 'UsernamePassword', 'OAuth'].includes(block['type'] as string);
    const credential = await ctx.stage('authentication', async () => {
      if (!usable) return scmGitCredentials(ctx, spec);
      const inner = obj(block?.['spec']);
      if (block?.['type'] === 'OAuth') return { authorization: `Bearer ${secretText(ctx, inner['tokenRef'] as string, `${path}.tokenRef`)}`, what: 'the OAuth token' };
      const user = usernameOf(ctx, inner, path);
      const field = inner['tokenRef'] ? 'tokenRef' : 'passwordRef';
      return { authorization: basicAuthorization(user, secretText(ctx, inner[field] as string, `${path}.${field}`)), what: `the app password of user '${user}'` };
    });
    if (!('authorization' in credential)) return gitFallback(ctx, credential);
    const url = `${api as string}/2.0/user`;
    const answer = await ctx.stage('connection', () => httpCall(ctx, { url, headers: { accept: 'application/json', authorization: credential.authorization } }));
    return ctx.stage('operation', async () => {
      if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, credential.what);
      if (answer.status !== 200) throw unexpected(answer, url, '200');
      const user = json(answer);
      return { message: `Bitbucket API ${api as string} authenticated ${String(user['username'] ?? user['display_name'])} in ${answer.latencyMs} ms`, details: { apiUrl: api, username: user['username'], latencyMs: answer.latencyMs } };
    });
  },
};

// ---- Azure Repos ---------------------------------------------------------------------------------------

/**
 * Where an Azure Repos URL points: the collection (`https://dev.azure.com/<org>`, or a server's
 * `…/tfs/<collection>`), the project and, in a repository URL (`…/<project>/_git/<repo>`), the repository.
 */
export function azureRepoLocation(spec: Spec): { collection: string; project: string; repo: string } {
  const url = new URL(spec['url'] as string);
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const git = segments.indexOf('_git');
  const projectIndex = git >= 0 ? git - 1 : segments.length - 1;
  const project = segments[projectIndex];
  const repo = git >= 0 ? segments[git + 1] : (spec['validationRepo'] as string | undefined);
  if (!project || projectIndex < 1) throw new ConnectorCheckError('URL_WITHOUT_PROJECT', 'operation', `spec.url: ${describeUrl(url.toString())} names no organization and project (expected https://dev.azure.com/<organization>/<project>)`);
  if (!repo) throw new ConnectorCheckError('VALIDATION_REPO_REQUIRED', 'operation', 'spec.validationRepo: a Project connector needs a repository to test with', 'name a repository the token can read');
  const collection = `${url.origin}/${segments.slice(0, projectIndex).map(encodeURIComponent).join('/')}`;
  return { collection, project, repo };
}

/** Azure Repos: the Git repositories API with the personal access token (Basic, empty user name). */
export const azureRepoOperations: ConnectorOperations = {
  async test(ctx) {
    const spec = ctx.spec;
    const block = spec['apiAccess'] ? obj(spec['apiAccess']) : httpCredentialBlock(spec);
    const path = spec['apiAccess'] ? 'spec.apiAccess.spec' : 'spec.authentication.spec.spec';
    const credential = await ctx.stage('authentication', async () => {
      if (!block || !/^https?:/i.test(spec['url'] as string)) return scmGitCredentials(ctx, spec);
      return { authorization: basicAuthorization('', secretText(ctx, obj(block['spec'])['tokenRef'] as string, `${path}.tokenRef`)) };
    });
    if (!('authorization' in credential)) return gitFallback(ctx, credential);
    const { collection, project, repo } = azureRepoLocation(spec);
    const url = `${collection}/${encodeURIComponent(project)}/_apis/git/repositories/${encodeURIComponent(repo)}?api-version=7.1`;
    const answer = await ctx.stage('connection', () => httpCall(ctx, { url, headers: { accept: 'application/json', authorization: credential.authorization } }));
    return ctx.stage('operation', async () => {
      // An unauthenticated call gets 203 and the sign-in page rather than 401.
      if (answer.status === 203) throw new ConnectorCheckError('AUTHENTICATION_FAILED', 'authentication', `authentication failed: the personal access token rejected by ${describeUrl(url)} (203 sign-in page)`, 'check the personal access token the connector refers to');
      if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, 'the personal access token');
      const body = json(answer);
      if (answer.status === 404) {
        throw new ConnectorCheckError('REPOSITORY_NOT_FOUND', 'operation', `repository ${project}/${repo} not found, or not visible to the token, at ${describeUrl(url)} (404${typeof body['typeKey'] === 'string' ? ` ${body['typeKey']}` : ''})`, 'check the URL or validationRepo, and that the token has Code (Read) scope in this organization');
      }
      if (answer.status !== 200) throw unexpected(answer, url, '200');
      const defaultBranch = typeof body['defaultBranch'] === 'string' ? body['defaultBranch'].replace(/^refs\/heads\//, '') : null;
      return {
        message: `Azure Repos API ${describeUrl(collection)} accepted the personal access token; repository ${project}/${String(body['name'])} is readable (default branch ${defaultBranch ?? 'none'}) in ${answer.latencyMs} ms`,
        details: { collection, project, repository: body['name'], defaultBranch, latencyMs: answer.latencyMs },
      };
    });
  },
};
