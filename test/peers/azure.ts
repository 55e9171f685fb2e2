/**
 * STAND-IN for the Microsoft identity platform token endpoint, client credentials grant.
 *
 * Follows learn.microsoft.com "Microsoft identity platform and the OAuth 2.0 client credentials
 * flow": `POST /{tenant}/oauth2/v2.0/token` (form: client_id, client_secret, scope ending in
 * `/.default`, grant_type=client_credentials) → `{token_type:"Bearer",expires_in,ext_expires_in,
 * access_token}`; errors carry AADSTS codes in `{error, error_description, error_codes, timestamp,
 * trace_id, correlation_id, error_uri}` (AADSTS7000215 invalid secret → 401 invalid_client,
 * AADSTS700016 unknown application, AADSTS90002 unknown tenant, AADSTS1002012 bad scope).
 * Access tokens are RS256 JWTs with the v1 claims Azure Resource Manager tokens carry (aud, iss, tid, appid, oid).
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { signRs256 } from './jwt';
import { json, Reply, startStandIn, StandIn } from './stand-in';

export interface AzureStandIn extends StandIn {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Public key that verifies the issued access tokens. */
  tokenSigningKey: string;
  issued: Array<{ clientId: string; scope: string }>;
}

export async function startAzure(): Promise<AzureStandIn> {
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const clientSecret = `${randomBytes(3).toString('hex')}~${randomBytes(24).toString('base64url')}`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const issued: AzureStandIn['issued'] = [];

  const aadError = (status: number, error: string, code: number, description: string): Reply => {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date()
      .toISOString()
      .replace('T', ' ')
      .replace(/\.(\d{3})Z$/, '.$1Z');
    return json(status, {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    });
  };

  const standIn = await startStandIn({
    name: 'azure-ad',
    routes: [
      {
        method: 'POST',
        path: '/{tenant}/oauth2/v2.0/token',
        handle: (request) => {
          const tenant = request.params['tenant'];
          if (tenant !== tenantId) {
            return aadError(
              400,
              'invalid_request',
              90002,
              `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
            );
          }
          const form = request.form();
          if (form.get('grant_type') !== 'client_credentials') {
            return aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
          }
          const requestedClient = form.get('client_id') ?? '';
          if (requestedClient !== clientId) {
            return aadError(
              400,
              'unauthorized_client',
              700016,
              `Application with identifier '${requestedClient}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
            );
          }
          if (form.get('client_secret') !== clientSecret) {
            return {
              ...aadError(
                401,
                'invalid_client',
                7000215,
                `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
              ),
              identity: clientId,
            };
          }
          const scope = form.get('scope') ?? '';
          if (!scope.endsWith('/.default')) {
            return {
              ...aadError(
                400,
                'invalid_scope',
                1002012,
                `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
              ),
              identity: clientId,
            };
          }
          const now = Math.floor(Date.now() / 1000);
          const accessToken = signRs256(
            {
              aud: scope.slice(0, -'/.default'.length),
              iss: `https://sts.windows.net/${tenantId}/`,
              iat: now,
              nbf: now,
              exp: now + 3599,
              appid: clientId,
              idtyp: 'app',
              oid: randomUUID(),
              sub: randomUUID(),
              tid: tenantId,
              ver: '1.0',
            },
            privateKey,
            { kid: 'conduit-test' },
          );
          issued.push({ clientId, scope });
          return {
            ...json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken }),
            identity: clientId,
          };
        },
      },
    ],
  });
  return { ...standIn, tenantId, clientId, clientSecret, tokenSigningKey: publicKey, issued };
}
