import { ConnectorCheckError, OperationContext, secretText } from './context';
import { authenticationError, describeUrl, HttpCall, httpCall } from './http-client';

type Spec = Record<string, unknown>;

export interface HttpCredentials {
  headers: Record<string, string>;
  tls?: HttpCall['tls'];
}

const field = (spec: Spec | undefined, key: string) => (spec?.[key] as string | undefined) ?? undefined;

/** The user name of a credential block: plain `username` or the secret behind `usernameRef`. */
export function usernameOf(ctx: OperationContext, spec: Spec, path: string): string {
  const ref = field(spec, 'usernameRef');
  return ref ? secretText(ctx, ref, `${path}.usernameRef`) : (field(spec, 'username') ?? '');
}

export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/**
 * Request credentials for an `auth` block ({type, spec}): basic, bearer token, OAuth 2.0 (client
 * credentials or refresh token, fetched from the token endpoint first) or a client certificate.
 */
export async function httpCredentials(ctx: OperationContext, auth: Spec | undefined, path: string): Promise<HttpCredentials> {
  const type = field(auth, 'type') ?? 'Anonymous';
  const spec = (auth?.['spec'] as Spec | undefined) ?? {};
  switch (type) {
    case 'Anonymous':
      return { headers: {} };
    case 'UsernamePassword':
      return { headers: { authorization: basicAuthorization(usernameOf(ctx, spec, `${path}.spec`), secretText(ctx, spec['passwordRef'] as string, `${path}.spec.passwordRef`)) } };
    case 'BearerToken':
      return { headers: { authorization: `Bearer ${secretText(ctx, spec['tokenRef'] as string, `${path}.spec.tokenRef`)}` } };
    case 'OAuthClientCredentials':
    case 'OAuthRefreshToken':
      return { headers: { authorization: `Bearer ${await oauthToken(ctx, type, spec, `${path}.spec`)}` } };
    case 'ClientCertificate':
      return {
        headers: {},
        tls: {
          cert: secretText(ctx, spec['clientCertRef'] as string, `${path}.spec.clientCertRef`),
          key: secretText(ctx, spec['clientKeyRef'] as string, `${path}.spec.clientKeyRef`),
          ...(spec['clientKeyPassphraseRef'] ? { passphrase: secretText(ctx, spec['clientKeyPassphraseRef'] as string, `${path}.spec.clientKeyPassphraseRef`) } : {}),
          ...(spec['caCertRef'] ? { ca: secretText(ctx, spec['caCertRef'] as string, `${path}.spec.caCertRef`) } : {}),
        },
      };
    default:
      throw new ConnectorCheckError('UNSUPPORTED_AUTH', 'authentication', `${path}.type: '${type}' is not supported by this operation`);
  }
}

/** RFC 6749 token request: client credentials, or a refresh token exchanged for an access token. */
async function oauthToken(ctx: OperationContext, type: string, spec: Spec, path: string): Promise<string> {
  const tokenUrl = spec['tokenUrl'] as string;
  const clientId = spec['clientIdRef'] ? secretText(ctx, spec['clientIdRef'] as string, `${path}.clientIdRef`) : (spec['clientId'] as string);
  const form = new URLSearchParams({ client_id: clientId });
  if (spec['clientSecretRef']) form.set('client_secret', secretText(ctx, spec['clientSecretRef'] as string, `${path}.clientSecretRef`));
  if (type === 'OAuthClientCredentials') form.set('grant_type', 'client_credentials');
  else {
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', secretText(ctx, spec['refreshTokenRef'] as string, `${path}.refreshTokenRef`));
  }
  if (spec['scope']) form.set('scope', spec['scope'] as string);
  if (spec['audience']) form.set('audience', spec['audience'] as string);
  const answer = await httpCall(ctx, { url: tokenUrl, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() });
  if (answer.status === 400 || answer.status === 401) throw authenticationError(answer, tokenUrl, 'OAuth client credentials');
  let token: unknown;
  try {
    token = (JSON.parse(answer.text) as { access_token?: unknown }).access_token;
  } catch {
    token = undefined;
  }
  if (answer.status !== 200 || typeof token !== 'string') {
    throw new ConnectorCheckError('OAUTH_TOKEN_FAILED', 'authentication', `no access token from ${describeUrl(tokenUrl)} (${answer.status})`);
  }
  return token;
}
