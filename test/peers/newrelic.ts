/**
 * STAND-IN for New Relic NerdGraph (the GraphQL API at api.newrelic.com/graphql).
 *
 * Follows docs.newrelic.com "Introduction to NerdGraph": `POST /graphql` with a user key in
 * `API-Key`, body `{"query": "{ actor { user { name email id } } }"}` → `{"data":{"actor":{"user":…}}}`.
 * A missing or wrong key gets HTTP 401 `{"errors":[{"message":"Bad API Key or no API Key provided",
 * "extensions":{"error_code":"BAD_API_KEY"}}]}` (as newrelic-client-go records it); query errors come
 * in an HTTP 200 body `{"errors":[…]}`. Only the `actor { user { … } }` query is understood: the
 * stand-in returns the requested user fields and reports any other query as unsupported.
 */
import { randomBytes } from 'node:crypto';
import { json, startStandIn, StandIn } from './stand-in';

export interface NewRelicStandIn extends StandIn {
  apiKey: string;
  user: { id: number; name: string; email: string };
}

export async function startNewRelic(): Promise<NewRelicStandIn> {
  const apiKey = `NRAK-${randomBytes(14).toString('hex').toUpperCase().slice(0, 27)}`;
  const user = { id: 1000123, name: 'Conduit Bot', email: 'conduit-bot@example.com' };
  const standIn = await startStandIn({
    name: 'newrelic',
    credentialHeaders: ['api-key'],
    routes: [
      {
        method: 'POST',
        path: '/graphql',
        handle: (request) => {
          if (request.headers['api-key'] !== apiKey) {
            return json(401, {
              errors: [{ message: 'Bad API Key or no API Key provided', extensions: { error_code: 'BAD_API_KEY' } }],
            });
          }
          const body = request.json() as { query?: string } | undefined;
          if (!body?.query) {
            return { ...json(200, { errors: [{ message: 'No query string was present' }] }), identity: 'user-key' };
          }
          const selection = /actor\s*\{\s*user\s*\{([^}]*)\}/.exec(body.query);
          if (!selection) {
            return {
              ...json(200, { errors: [{ message: 'The NerdGraph stand-in only answers { actor { user { … } } }' }] }),
              identity: 'user-key',
            };
          }
          const fields = selection[1].split(/[\s,]+/).filter(Boolean);
          const picked = Object.fromEntries(
            fields.filter((f) => f in user).map((f) => [f, user[f as keyof typeof user]]),
          );
          return { ...json(200, { data: { actor: { user: picked } } }), identity: 'user-key' };
        },
      },
    ],
  });
  return { ...standIn, apiKey, user };
}
