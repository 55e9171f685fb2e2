/**
 * STAND-IN for the GitLab REST API v4.
 *
 * Follows docs.gitlab.com/api (REST authentication, Users API): `GET /api/v4/user` with a personal,
 * project or group access token in `PRIVATE-TOKEN` or `Authorization: Bearer`; a wrong or missing
 * token gets 401 `{"message":"401 Unauthorized"}`; a token without `read_user`/`api` scope gets
 * 403 `insufficient_scope`.
 */
import { randomBytes } from 'node:crypto';
import { json, schemeToken, startStandIn, StandIn, StandInRequest } from './stand-in';

export interface GitLabStandIn extends StandIn {
  token: string;
  /** A valid token whose only scope is `read_repository`. */
  narrowToken: string;
  username: string;
}

export async function startGitLab(options: { username?: string } = {}): Promise<GitLabStandIn> {
  const username = options.username ?? 'conduit-bot';
  const token = `glpat-${randomBytes(10).toString('hex')}`;
  const narrowToken = `glpat-${randomBytes(10).toString('hex')}`;
  const presented = (request: StandInRequest) => {
    const header = request.headers['private-token'];
    return typeof header === 'string' ? header : schemeToken(request.headers, 'Bearer');
  };
  const standIn = await startStandIn({
    name: 'gitlab',
    notFound: () => json(404, { error: '404 Not Found' }),
    routes: [
      {
        method: 'GET',
        path: '/api/v4/user',
        handle: (request) => {
          const given = presented(request);
          if (given === narrowToken) {
            return {
              ...json(403, {
                error: 'insufficient_scope',
                error_description: 'The request requires higher privileges than provided by the access token.',
                scope: 'api read_user',
              }),
              identity: username,
            };
          }
          if (given !== token) return json(401, { message: '401 Unauthorized' });
          return {
            ...json(200, {
              id: 42,
              username,
              name: 'Conduit Bot',
              state: 'active',
              locked: false,
              avatar_url: null,
              web_url: `https://gitlab.example.com/${username}`,
              created_at: '2024-01-01T00:00:00.000Z',
              bot: false,
            }),
            identity: username,
          };
        },
      },
    ],
  });
  return { ...standIn, token, narrowToken, username };
}
