/**
 * STAND-IN for Google Cloud: the OAuth 2.0 token endpoint (service-account JWT bearer grant) and
 * Secret Manager's `versions:access`, on one URL.
 *
 * Follows developers.google.com/identity/protocols/oauth2/service-account ("Preparing to make an
 * authorized API call": RS256 assertion with iss, scope, aud = token_uri, exp ≤ iat + 1h; POST
 * token_uri with grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer → access_token; errors
 * `{"error":"invalid_grant","error_description":…}`) and the Secret Manager REST reference
 * (`GET /v1/projects/{p}/secrets/{s}/versions/{v}:access` → `{name, payload:{data (base64),
 * dataCrc32c}}`; `latest` is the newest version; errors in Google's `{"error":{code,message,status}}`).
 * The service-account key file it returns points `token_uri` at the stand-in.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { verifyRs256 } from './jwt';
import { json, Reply, schemeToken, startStandIn, StandIn } from './stand-in';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

export interface ServiceAccountKey {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
}

export interface GcpStandIn extends StandIn {
  projectId: string;
  projectNumber: string;
  /** The key file as downloaded from the console, with token_uri pointing here. */
  serviceAccountKey: ServiceAccountKey;
  tokenUri: string;
  /** Access tokens issued so far with their scopes. */
  accessTokens: Array<{ token: string; scopes: string[]; serviceAccount: string }>;
}

/** CRC32C (Castagnoli), as Secret Manager reports `dataCrc32c` (a decimal int64 string). */
function crc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function googleError(code: number, status: string, message: string): Reply {
  return json(code, { error: { code, message, status } });
}

export async function startGcp(
  options: { projectId?: string; secrets?: Record<string, string[]> } = {},
): Promise<GcpStandIn> {
  const projectId = options.projectId ?? 'conduit-test';
  const projectNumber = '271828182845';
  const clientEmail = `conduit-delegate@${projectId}.iam.gserviceaccount.com`;
  const keyId = randomBytes(20).toString('hex');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const secrets = new Map(Object.entries(options.secrets ?? { 'db-password': ['first-password', 's3cr3t-v2'] }));
  const accessTokens: GcpStandIn['accessTokens'] = [];
  const grantError = (description: string, error = 'invalid_grant') =>
    json(400, { error, error_description: description });

  const standIn = await startStandIn({
    name: 'gcp',
    notFound: () => googleError(404, 'NOT_FOUND', 'The requested URL was not found on this server.'),
    routes: [
      {
        method: 'POST',
        path: '/token',
        handle: (request) => {
          const form = request.form();
          const grantType = form.get('grant_type');
          if (grantType !== JWT_BEARER_GRANT)
            return grantError(`Invalid grant_type: ${grantType ?? ''}`, 'unsupported_grant_type');
          const assertion = form.get('assertion') ?? '';
          const unverified = assertion.split('.')[1];
          let iss: unknown;
          try {
            iss = JSON.parse(Buffer.from(unverified ?? '', 'base64url').toString('utf8'))['iss'];
          } catch {
            return grantError(
              'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
            );
          }
          if (iss !== clientEmail) return grantError('Invalid grant: account not found');
          const checked = verifyRs256(assertion, publicKey);
          if (!checked.ok) return { ...grantError('Invalid JWT Signature.'), identity: clientEmail };
          const { aud, iat, exp, scope } = checked.claims as {
            aud?: unknown;
            iat?: unknown;
            exp?: unknown;
            scope?: unknown;
          };
          const now = Math.floor(Date.now() / 1000);
          if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > 3600 || exp <= now || iat > now + 300) {
            return {
              ...grantError(
                'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
              ),
              identity: clientEmail,
            };
          }
          if (aud !== `${standIn.url}/token`) {
            return {
              ...grantError(`Invalid JWT: Failed audience check. The right audience is ${standIn.url}/token`),
              identity: clientEmail,
            };
          }
          if (typeof scope !== 'string' || !scope.trim()) {
            return {
              ...grantError('Invalid OAuth scope or ID token audience provided.', 'invalid_scope'),
              identity: clientEmail,
            };
          }
          const token = `ya29.c.${randomBytes(48).toString('base64url')}`;
          accessTokens.push({ token, scopes: scope.split(/\s+/), serviceAccount: clientEmail });
          return {
            ...json(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' }),
            identity: clientEmail,
          };
        },
      },
      {
        method: 'GET',
        path: '/v1/projects/{project}/secrets/{secret}/versions/{version}:access',
        handle: (request) => {
          const presented = schemeToken(request.headers, 'Bearer');
          const grant = accessTokens.find((t) => t.token === presented);
          if (!grant) {
            return googleError(
              401,
              'UNAUTHENTICATED',
              'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
            );
          }
          const identity = grant.serviceAccount;
          if (!grant.scopes.includes(CLOUD_PLATFORM_SCOPE)) {
            return {
              ...googleError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.'),
              identity,
            };
          }
          const { project, secret, version } = request.params;
          const resource = `projects/${project}/secrets/${secret}/versions/${version}`;
          if (project !== projectId && project !== projectNumber) {
            return {
              ...googleError(
                403,
                'PERMISSION_DENIED',
                `Permission 'secretmanager.versions.access' denied for resource '${resource}' (or it may not exist).`,
              ),
              identity,
            };
          }
          const versions = secrets.get(secret);
          if (!versions || versions.length === 0) {
            return {
              ...googleError(
                404,
                'NOT_FOUND',
                `Secret [projects/${projectNumber}/secrets/${secret}] not found or has no versions.`,
              ),
              identity,
            };
          }
          const number = version === 'latest' ? versions.length : Number(version);
          if (!Number.isInteger(number) || number < 1 || number > versions.length) {
            return {
              ...googleError(
                404,
                'NOT_FOUND',
                `Secret Version [projects/${projectNumber}/secrets/${secret}/versions/${version}] not found.`,
              ),
              identity,
            };
          }
          const data = Buffer.from(versions[number - 1], 'utf8');
          return {
            ...json(200, {
              name: `projects/${projectNumber}/secrets/${secret}/versions/${number}`,
              payload: { data: data.toString('base64'), dataCrc32c: String(crc32c(data)) },
            }),
            identity,
          };
        },
      },
    ],
  });
  const tokenUri = `${standIn.url}/token`;
  return {
    ...standIn,
    projectId,
    projectNumber,
    tokenUri,
    accessTokens,
    serviceAccountKey: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: keyId,
      private_key: privateKey,
      client_email: clientEmail,
      client_id: '109876543210987654321',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: tokenUri,
    },
  };
}
