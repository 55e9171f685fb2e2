/**
 * STAND-IN for the GitHub REST API (api.github.com; GitHub Enterprise serves the same under /api/v3).
 *
 * Follows docs.github.com/rest: `GET /user` with `Authorization: Bearer|token <t>` (401 "Bad
 * credentials"), `GET /repos/{owner}/{repo}` (404 "Not Found" when the token cannot see it), GitHub
 * App authentication ("Generating a JSON Web Token for a GitHub App": RS256, iss = App ID or client ID,
 * exp at most 10 minutes after iat) for `GET /app` and `POST /app/installations/{id}/access_tokens`
 * (201, a `ghs_` installation token valid one hour), and the primary rate limit ("Rate limits for the
 * REST API": 403 with `x-ratelimit-remaining: 0`), switched on with `setRateLimited(true)`.
 * `GET /repos/{owner}/{repo}/contents/{path}?ref=` follows "Get repository content": a file as JSON with
 * base64 `content` (wrapped at 60 characters) and its git blob `sha`, a directory as an array, 404 "Not
 * Found" for a missing path and "No commit found for the ref …" for an unknown ref.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { verifyRs256 } from './jwt';
import { json, Reply, schemeToken, startStandIn, StandIn, StandInRequest } from './stand-in';

export interface GitHubStandInOptions {
  login?: string;
  repositories?: Array<{ owner: string; name: string; private?: boolean; defaultBranch?: string }>;
  /** Files on every repository's default branch, by path; the contents API serves them. */
  files?: Record<string, string>;
  appId?: number;
  appSlug?: string;
  installationId?: number;
}

export interface GitHubStandIn extends StandIn {
  /** A personal access token of `login`. */
  token: string;
  login: string;
  app: { id: number; clientId: string; slug: string; installationId: number; privateKey: string; publicKey: string };
  /** Installation tokens issued so far. */
  installationTokens: string[];
  setRateLimited(limited: boolean): void;
}

const DOCS = 'https://docs.github.com/rest';

function rateHeaders(remaining: number, reset: number): Record<string, string> {
  return {
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(reset),
    'x-ratelimit-used': String(5000 - remaining),
    'x-ratelimit-resource': 'core',
    'x-github-api-version-selected': '2022-11-28',
  };
}

export async function startGitHub(options: GitHubStandInOptions = {}): Promise<GitHubStandIn> {
  const login = options.login ?? 'conduit-bot';
  const token = `ghp_${randomBytes(18).toString('hex').slice(0, 36)}`;
  const appId = options.appId ?? 424242;
  const clientId = `Iv1.${randomBytes(8).toString('hex')}`;
  const slug = options.appSlug ?? 'conduit-test-app';
  const installationId = options.installationId ?? 4242001;
  // GitHub hands out App keys as PKCS#1 PEM ("BEGIN RSA PRIVATE KEY").
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const repositories = options.repositories ?? [
    { owner: 'conduit', name: 'demo', private: true, defaultBranch: 'main' },
  ];
  const installationTokens: string[] = [];
  const files = options.files ?? { 'README.md': '# demo\n', 'deploy/values.yaml': 'replicas: 2\n' };
  let rateLimited = false;
  const reset = () => Math.floor(Date.now() / 1000) + 3600;

  const withRate = (reply: Reply): Reply => {
    if (rateLimited) {
      return {
        ...json(
          403,
          {
            message: 'API rate limit exceeded for user ID 1.',
            documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          },
          rateHeaders(0, reset()),
        ),
        identity: reply.identity,
      };
    }
    return { ...reply, headers: { ...rateHeaders(4999, reset()), ...(reply.headers ?? {}) } };
  };
  const badCredentials = json(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });

  /** The caller of a token-authenticated endpoint: the PAT user or an installation. */
  const tokenCaller = (request: StandInRequest): string | undefined => {
    const presented = schemeToken(request.headers, 'Bearer', 'token');
    if (presented === token) return login;
    if (presented && installationTokens.includes(presented)) return `installation:${installationId}`;
    return undefined;
  };

  /** Checks an App JWT; returns an error reply or the identity. */
  const appCaller = (request: StandInRequest): { identity: string } | { error: Reply } => {
    const presented = schemeToken(request.headers, 'Bearer');
    if (!presented) {
      return {
        error: json(401, { message: 'A JSON web token could not be decoded', documentation_url: DOCS, status: '401' }),
      };
    }
    const checked = verifyRs256(presented, publicKey);
    if (!checked.ok) {
      return {
        error: json(401, { message: 'A JSON web token could not be decoded', documentation_url: DOCS, status: '401' }),
      };
    }
    const { iss, iat, exp } = checked.claims as { iss?: unknown; iat?: unknown; exp?: unknown };
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (String(iss) !== String(appId) && iss !== clientId) {
      return {
        error: json(401, {
          message: "'Issuer' claim ('iss') must be an Integer",
          documentation_url: DOCS,
          status: '401',
        }),
      };
    }
    if (typeof exp !== 'number' || exp <= nowSeconds) {
      return {
        error: json(401, {
          message:
            "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
          documentation_url: DOCS,
          status: '401',
        }),
      };
    }
    if (typeof iat !== 'number' || exp - iat > 600 || iat > nowSeconds + 60) {
      return {
        error: json(401, {
          message: "'Expiration time' claim ('exp') is too far in the future",
          documentation_url: DOCS,
          status: '401',
        }),
      };
    }
    return { identity: `app:${appId}` };
  };

  const standIn = await startStandIn({
    name: 'github',
    notFound: () => json(404, { message: 'Not Found', documentation_url: DOCS, status: '404' }),
    routes: [
      {
        method: 'GET',
        path: '/user',
        handle: (request) => {
          const caller = tokenCaller(request);
          if (caller !== login) {
            // An installation token is not a user: GitHub answers 403 for /user.
            if (caller)
              return withRate({
                ...json(403, {
                  message: 'Resource not accessible by integration',
                  documentation_url: DOCS,
                  status: '403',
                }),
                identity: caller,
              });
            return badCredentials;
          }
          return withRate({
            ...json(
              200,
              {
                login,
                id: 1,
                node_id: 'MDQ6VXNlcjE=',
                type: 'User',
                site_admin: false,
                name: 'Conduit Bot',
                html_url: `https://github.com/${login}`,
                created_at: '2020-01-01T00:00:00Z',
              },
              { 'x-oauth-scopes': 'repo, read:org', 'x-accepted-oauth-scopes': '' },
            ),
            identity: login,
          });
        },
      },
      {
        method: 'GET',
        path: '/repos/{owner}/{repo}',
        handle: (request) => {
          const caller = tokenCaller(request);
          if (!caller) return badCredentials;
          const repo = repositories.find(
            (r) => r.owner === request.params['owner'] && r.name === request.params['repo'],
          );
          if (!repo) {
            return withRate({
              ...json(404, {
                message: 'Not Found',
                documentation_url: 'https://docs.github.com/rest/repos/repos#get-a-repository',
                status: '404',
              }),
              identity: caller,
            });
          }
          const fullName = `${repo.owner}/${repo.name}`;
          return withRate({
            ...json(200, {
              id: 1296269,
              name: repo.name,
              full_name: fullName,
              private: repo.private ?? true,
              owner: { login: repo.owner, type: 'Organization' },
              html_url: `https://github.com/${fullName}`,
              clone_url: `https://github.com/${fullName}.git`,
              ssh_url: `git@github.com:${fullName}.git`,
              default_branch: repo.defaultBranch ?? 'main',
              visibility: repo.private === false ? 'public' : 'private',
              permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
            }),
            identity: caller,
          });
        },
      },
      {
        method: 'GET',
        path: '/repos/{owner}/{repo}/contents/{path+}',
        handle: (request) => {
          const caller = tokenCaller(request);
          if (!caller) return badCredentials;
          const repo = repositories.find((r) => r.owner === request.params['owner'] && r.name === request.params['repo']);
          const notFound = (message: string) => withRate({ ...json(404, { message, documentation_url: 'https://docs.github.com/rest/repos/contents#get-repository-content', status: '404' }), identity: caller });
          if (!repo) return notFound('Not Found');
          const ref = request.query.get('ref');
          if (ref !== null && ref !== (repo.defaultBranch ?? 'main')) return notFound(`No commit found for the ref ${ref}`);
          const filePath = request.params['path'] ?? '';
          const content = files[filePath];
          const url = `${standIn.url}/repos/${repo.owner}/${repo.name}/contents/${filePath}`;
          if (content === undefined) {
            const children = Object.keys(files).filter((f) => f.startsWith(`${filePath}/`));
            if (!children.length) return notFound('Not Found');
            return withRate({ ...json(200, children.map((f) => ({ type: 'file', name: f.split('/').pop(), path: f }))), identity: caller });
          }
          const bytes = Buffer.from(content, 'utf8');
          const sha = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
          return withRate({
            ...json(200, {
              type: 'file',
              encoding: 'base64',
              size: bytes.length,
              name: filePath.split('/').pop(),
              path: filePath,
              content: (bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n',
              sha,
              url,
            }),
            identity: caller,
          });
        },
      },
      {
        method: 'GET',
        path: '/app',
        handle: (request) => {
          const caller = appCaller(request);
          if ('error' in caller) return caller.error;
          return withRate({
            ...json(200, {
              id: appId,
              client_id: clientId,
              slug,
              node_id: 'MDM6QXBwNDI0MjQy',
              owner: { login: 'conduit', type: 'Organization' },
              name: 'Conduit Test App',
              description: '',
              external_url: 'https://conduit.invalid',
              html_url: `https://github.com/apps/${slug}`,
              created_at: '2024-01-01T00:00:00Z',
              updated_at: '2024-01-01T00:00:00Z',
              permissions: { contents: 'read', metadata: 'read' },
              events: [],
              installations_count: 1,
            }),
            identity: caller.identity,
          });
        },
      },
      {
        method: 'POST',
        path: '/app/installations/{id}/access_tokens',
        handle: (request) => {
          const caller = appCaller(request);
          if ('error' in caller) return caller.error;
          if (request.params['id'] !== String(installationId)) {
            return withRate({
              ...json(404, {
                message: 'Not Found',
                documentation_url:
                  'https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app',
                status: '404',
              }),
              identity: caller.identity,
            });
          }
          const issued = `ghs_${randomBytes(18).toString('hex').slice(0, 36)}`;
          installationTokens.push(issued);
          return withRate({
            ...json(201, {
              token: issued,
              expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
              permissions: { contents: 'read', metadata: 'read' },
              repository_selection: 'all',
            }),
            identity: caller.identity,
          });
        },
      },
    ],
  });
  return {
    ...standIn,
    token,
    login,
    app: { id: appId, clientId, slug, installationId, privateKey, publicKey },
    installationTokens,
    setRateLimited: (limited) => void (rateLimited = limited),
  };
}
