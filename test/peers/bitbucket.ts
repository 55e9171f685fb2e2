/**
 * STAND-IN for the Bitbucket Cloud REST API 2.0.
 *
 * Follows developer.atlassian.com/cloud/bitbucket/rest (Users: `GET /2.0/user`; authentication with
 * an app password or API token as Basic auth). Wrong credentials get 401 with a Basic challenge and the
 * API's error object `{"type":"error","error":{"message":…}}`.
 */
import { randomBytes } from 'node:crypto';
import { basicCredentials, json, startStandIn, StandIn } from './stand-in';

export interface BitbucketStandIn extends StandIn {
  username: string;
  appPassword: string;
}

export async function startBitbucket(options: { username?: string } = {}): Promise<BitbucketStandIn> {
  const username = options.username ?? 'conduit-bot';
  const appPassword = `ATBB${randomBytes(16).toString('hex')}`;
  const standIn = await startStandIn({
    name: 'bitbucket',
    notFound: () => json(404, { type: 'error', error: { message: 'Resource not found' } }),
    routes: [
      {
        method: 'GET',
        path: '/2.0/user',
        handle: (request) => {
          const basic = basicCredentials(request.headers);
          if (!basic || basic.username !== username || basic.password !== appPassword) {
            return json(
              401,
              { type: 'error', error: { message: 'Unauthorized' } },
              { 'www-authenticate': 'Basic realm="Bitbucket.org HTTP"' },
            );
          }
          return {
            ...json(200, {
              type: 'user',
              username,
              display_name: 'Conduit Bot',
              uuid: '{6a6b2c3d-0000-4000-8000-000000000001}',
              account_id: '557058:00000000-0000-4000-8000-000000000001',
              account_status: 'active',
              links: { self: { href: `https://api.bitbucket.org/2.0/users/${username}` } },
            }),
            identity: username,
          };
        },
      },
    ],
  });
  return { ...standIn, username, appPassword };
}
