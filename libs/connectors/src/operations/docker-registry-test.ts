import { ConnectorCheckError, ConnectorOperations, OperationContext, secretText } from './context';
import { authenticationError, describeUrl, HttpAnswer, httpCall } from './http-client';
import { basicAuthorization, usernameOf } from './http-auth';
import { parseWwwAuthenticate } from './www-authenticate';

type Spec = Record<string, unknown>;

/** The registry root: `dockerRegistryUrl` without a trailing `/v2/` (Harness examples include it). */
export function registryBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v2$/, '');
}

/**
 * Registry token authentication (distribution's "Token Authentication Specification"): GET the realm with
 * service (and scope), the connector's credentials as Basic, and read `token` (or `access_token`).
 */
async function bearerToken(ctx: OperationContext, params: Record<string, string>, basic: string | undefined, what: string): Promise<string> {
  const realm = params['realm'];
  if (!realm || !/^https?:\/\//i.test(realm)) throw new ConnectorCheckError('BAD_AUTH_CHALLENGE', 'authentication', `the registry's Bearer challenge names no token endpoint (realm)`);
  const url = new URL(realm);
  if (params['service']) url.searchParams.set('service', params['service']);
  if (params['scope']) url.searchParams.set('scope', params['scope']);
  const answer = await httpCall(ctx, { url: url.toString(), headers: { accept: 'application/json', ...(basic ? { authorization: basic } : {}) } });
  if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url.toString(), what);
  let token: unknown;
  try {
    const body = JSON.parse(answer.text) as { token?: unknown; access_token?: unknown };
    token = body.token ?? body.access_token;
  } catch {
    token = undefined;
  }
  if (answer.status !== 200 || typeof token !== 'string') throw new ConnectorCheckError('TOKEN_FAILED', 'authentication', `no registry token from ${describeUrl(url.toString())} (${answer.status})`);
  return token;
}

/** The Docker Registry v2 test: `GET /v2/`, answering its challenge (Basic, or Bearer through the token endpoint). */
export const dockerRegistryOperations: ConnectorOperations = {
  async test(ctx) {
    const spec = ctx.spec;
    const auth = (spec['auth'] as Spec | undefined) ?? { type: 'Anonymous' };
    const inner = (auth['spec'] as Spec | undefined) ?? {};
    const credentials = await ctx.stage('authentication', async () => {
      if (auth['type'] !== 'UsernamePassword') return undefined;
      const user = usernameOf(ctx, inner, 'spec.auth.spec');
      return { basic: basicAuthorization(user, secretText(ctx, inner['passwordRef'] as string, 'spec.auth.spec.passwordRef')), what: `the password of user '${user}'`, who: `user '${user}'` };
    });
    const url = `${registryBase(spec['dockerRegistryUrl'] as string)}/v2/`;
    const first = await ctx.stage('connection', () => httpCall(ctx, { url, headers: { accept: 'application/json' } }));
    return ctx.stage('operation', async () => {
      let answer: HttpAnswer = first;
      let scheme = 'none';
      if (first.status === 401) {
        const challenges = parseWwwAuthenticate(first.headers['www-authenticate']);
        const bearer = challenges.find((c) => c.scheme === 'bearer');
        const basicChallenge = challenges.find((c) => c.scheme === 'basic');
        if (bearer) {
          scheme = 'bearer';
          const token = await bearerToken(ctx, bearer.params, credentials?.basic, credentials?.what ?? 'anonymous access');
          answer = await httpCall(ctx, { url, headers: { accept: 'application/json', authorization: `Bearer ${token}` } });
        } else if (basicChallenge && credentials) {
          scheme = 'basic';
          answer = await httpCall(ctx, { url, headers: { accept: 'application/json', authorization: credentials.basic } });
        } else if (!credentials) {
          throw new ConnectorCheckError('CREDENTIALS_REQUIRED', 'authentication', `${describeUrl(url)} requires authentication (401), and the connector is Anonymous`, 'set auth to UsernamePassword');
        } else {
          throw new ConnectorCheckError('UNSUPPORTED_AUTH', 'authentication', `${describeUrl(url)} asks for ${challenges.map((c) => c.scheme).join(', ') || 'an unnamed'} authentication, which this connector cannot answer`);
        }
      }
      if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, credentials?.what ?? 'anonymous access');
      if (answer.status === 404) throw new ConnectorCheckError('NOT_A_REGISTRY', 'operation', `${describeUrl(url)} answered 404: not a Docker Registry v2 API`, 'use the registry root, e.g. https://registry.example.com (or …/v2/)');
      if (answer.status !== 200) throw new ConnectorCheckError('UNEXPECTED_STATUS', 'operation', `${describeUrl(url)} answered ${answer.status}, expected 200`);
      const version = answer.headers['docker-distribution-api-version'];
      return {
        message: `Docker registry ${describeUrl(url)} accepted ${credentials?.who ?? 'anonymous access'} (${scheme === 'none' ? 'no challenge' : `${scheme} authentication`}) in ${first.latencyMs + (answer === first ? 0 : answer.latencyMs)} ms`,
        details: { authScheme: scheme, apiVersion: typeof version === 'string' ? version : null, latencyMs: answer.latencyMs },
      };
    });
  },
};
