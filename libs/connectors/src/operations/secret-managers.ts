/**
 * Clients of the external secret managers (HashiCorp Vault KV v1/v2, AWS Secrets Manager, GCP Secret
 * Manager). The delegate reads secret references with them, and the same code is each manager
 * connector's connection test. Errors name where and what answered, never a value or a credential.
 */
import { createSign, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CheckOutcome, ConnectorCheckError, ConnectorOperations, ExternalSecretAddress, OperationContext, secretText } from './context';
import { AwsCredentials, signSigV4 } from './aws-sigv4';
import { describeUrl, HttpAnswer, httpCall } from './http-client';

type Spec = Record<string, unknown>;

const str = (spec: Spec, field: string): string | undefined => (typeof spec[field] === 'string' ? (spec[field] as string) : undefined);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A value as text: strings as they are, anything else as JSON. */
function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The field `key` of a JSON document (a KV secret's data, a JSON secret string); without a key, a document
 * with exactly one field gives that field. Field names appear in errors, values never do.
 */
export function selectField(data: unknown, key: string | undefined, where: string): string {
  const object = typeof data === 'string' ? parseJson(data) : data;
  const isObject = typeof object === 'object' && object !== null && !Array.isArray(object);
  if (key === undefined) {
    if (typeof data === 'string') return data;
    const fields = isObject ? Object.keys(object) : [];
    if (isObject && fields.length === 1) return asText((object as Record<string, unknown>)[fields[0] as string]);
    throw new ConnectorCheckError('SECRET_KEY_REQUIRED', 'operation', `${where} holds ${fields.length} fields (${fields.join(', ')}): give the reference a key`);
  }
  if (!isObject) throw new ConnectorCheckError('SECRET_NOT_JSON', 'operation', `${where} is not a JSON object, so it has no field '${key}'`);
  const record = object as Record<string, unknown>;
  if (!(key in record)) {
    throw new ConnectorCheckError('SECRET_KEY_NOT_FOUND', 'operation', `${where} has no field '${key}' (fields: ${Object.keys(record).join(', ') || 'none'})`);
  }
  return asText(record[key]);
}

/** Login methods of types/vault.ts (`vaultAccessType`), passed in so this file does not import the schema. */
export type VaultLoginMethodOf = (spec: Spec) => string;

// ---------------------------------------------------------------------------------------------------------
// HashiCorp Vault: token, AppRole or Vault Agent sink login; KV v1 and v2; Enterprise namespaces.

function vaultUrl(spec: Spec, path: string): string {
  return `${(str(spec, 'vaultUrl') as string).replace(/\/+$/, '')}/v1/${path}`;
}

const encodePath = (path: string) =>
  path
    .split('/')
    .filter((segment) => segment !== '')
    .map(encodeURIComponent)
    .join('/');

function vaultHeaders(spec: Spec, token?: string): Record<string, string> {
  const namespace = str(spec, 'namespace');
  return { accept: 'application/json', ...(token ? { 'x-vault-token': token } : {}), ...(namespace ? { 'x-vault-namespace': namespace } : {}) };
}

/** Vault's `{"errors": […]}`, as one short reason. */
function vaultReason(answer: HttpAnswer): string {
  const body = parseJson(answer.text) as { errors?: unknown[]; warnings?: unknown[] } | undefined;
  const reasons = [...(body?.errors ?? []), ...(body?.warnings ?? [])].filter((e): e is string => typeof e === 'string');
  return reasons.length ? reasons.join('; ').slice(0, 300) : answer.status === 404 ? 'nothing at this path' : 'no reason given';
}

function vaultFailure(answer: HttpAnswer, url: string): ConnectorCheckError {
  const message = `Vault at ${describeUrl(url)} answered ${answer.status} (${vaultReason(answer)})`;
  if (answer.status === 401 || answer.status === 403) {
    return new ConnectorCheckError(answer.status === 401 ? 'AUTHENTICATION_FAILED' : 'FORBIDDEN', 'authentication', message, "check the token's policies (or the AppRole's) for read on this path");
  }
  if (answer.status === 404) return new ConnectorCheckError('SECRET_NOT_FOUND', 'operation', message, 'check the path, the engine name and its KV version');
  if (answer.status === 503) return new ConnectorCheckError('VAULT_UNAVAILABLE', 'connection', message, 'is Vault sealed or in standby?');
  return new ConnectorCheckError('VAULT_ERROR', 'operation', message);
}

async function vaultToken(ctx: OperationContext, loginMethodOf: VaultLoginMethodOf): Promise<{ token: string; method: string }> {
  const spec = ctx.spec;
  const method = loginMethodOf(spec);
  switch (method) {
    case 'TOKEN':
      return { token: secretText(ctx, str(spec, 'authToken') as string, 'spec.authToken'), method };
    case 'APP_ROLE': {
      const url = vaultUrl(spec, 'auth/approle/login');
      const body = JSON.stringify({ role_id: str(spec, 'appRoleId'), secret_id: secretText(ctx, str(spec, 'secretId') as string, 'spec.secretId') });
      const answer = await httpCall(ctx, { url, method: 'POST', headers: { ...vaultHeaders(spec), 'content-type': 'application/json' }, body, retry: false });
      const token = (parseJson(answer.text) as { auth?: { client_token?: unknown } } | undefined)?.auth?.client_token;
      if (answer.status !== 200 || typeof token !== 'string') {
        throw new ConnectorCheckError('AUTHENTICATION_FAILED', 'authentication', `AppRole login at ${describeUrl(url)} answered ${answer.status} (${vaultReason(answer)})`, 'check the role id and the secret id the connector refers to');
      }
      return { token, method };
    }
    case 'VAULT_AGENT': {
      const sinkPath = str(spec, 'sinkPath') as string;
      try {
        return { token: (await readFile(sinkPath, 'utf8')).trim(), method };
      } catch (error) {
        throw new ConnectorCheckError('NO_DELEGATE_CREDENTIALS', 'authentication', `Vault Agent token file ${sinkPath} cannot be read on this delegate (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    default:
      // Never a silent substitute (such as a token from the environment) for the login the connector asks for.
      throw new ConnectorCheckError('UNSUPPORTED_AUTH', 'authentication', `Vault access type ${method} is not supported by this delegate version`, 'use TOKEN, APP_ROLE or VAULT_AGENT');
  }
}

async function vaultRead(ctx: OperationContext, loginMethodOf: VaultLoginMethodOf, address: ExternalSecretAddress): Promise<string> {
  const spec = ctx.spec;
  const { token } = await vaultToken(ctx, loginMethodOf);
  const mount = encodePath(str(spec, 'secretEngineName') ?? 'secret');
  const path = encodePath([str(spec, 'basePath') ?? '', address.path].join('/'));
  const v2 = (spec['secretEngineVersion'] ?? 2) === 2;
  const url = v2 ? vaultUrl(spec, `${mount}/data/${path}${address.version ? `?version=${encodeURIComponent(address.version)}` : ''}`) : vaultUrl(spec, `${mount}/${path}`);
  const answer = await httpCall(ctx, { url, headers: vaultHeaders(spec, token) });
  if (answer.status !== 200) throw vaultFailure(answer, url);
  const body = parseJson(answer.text) as { data?: { data?: unknown } } | undefined;
  const data = v2 ? body?.data?.data : body?.data;
  if (typeof data !== 'object' || data === null) {
    throw new ConnectorCheckError('NOT_VAULT_KV', 'operation', `Vault at ${describeUrl(url)} answered without KV ${v2 ? 'v2' : 'v1'} data`, 'check secretEngineVersion');
  }
  return selectField(data, address.key, `Vault secret at ${describeUrl(url)}`);
}

/** Vault: the connection test logs in and looks the token up; readSecret reads KV v1 or v2. */
export function vaultOperations(loginMethodOf: VaultLoginMethodOf): ConnectorOperations {
  return {
    async test(ctx): Promise<CheckOutcome> {
      const { token, method } = await ctx.stage('authentication', () => vaultToken(ctx, loginMethodOf));
      const url = vaultUrl(ctx.spec, 'auth/token/lookup-self');
      const answer = await ctx.stage('connection', () => httpCall(ctx, { url, headers: vaultHeaders(ctx.spec, token) }));
      if (answer.status !== 200) throw vaultFailure(answer, url);
      const data = (parseJson(answer.text) as { data?: { policies?: unknown; display_name?: unknown } } | undefined)?.data;
      const policies = Array.isArray(data?.policies) ? data.policies.filter((p): p is string => typeof p === 'string') : [];
      return {
        message: `Vault at ${describeUrl(str(ctx.spec, 'vaultUrl') as string)} accepted the ${method} login (policies: ${policies.join(', ') || 'none'}) in ${answer.latencyMs} ms`,
        details: { policies, latencyMs: answer.latencyMs },
      };
    },
    readSecret: (ctx, address) => vaultRead(ctx, loginMethodOf, address),
  };
}

// ---------------------------------------------------------------------------------------------------------
// AWS Secrets Manager: JSON 1.1 protocol, SigV4-signed, keys from secrets or the delegate's environment.

const AWS_AUTH_ERRORS = new Set(['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'IncompleteSignature', 'MissingAuthenticationTokenException']);

function awsCredentials(ctx: OperationContext): AwsCredentials {
  const credential = ctx.spec['credential'] as { type: string; spec?: Spec };
  if (credential.type === 'ManualConfig') {
    const spec = credential.spec ?? {};
    return {
      accessKeyId: secretText(ctx, str(spec, 'accessKey') as string, 'spec.credential.spec.accessKey'),
      secretAccessKey: secretText(ctx, str(spec, 'secretKey') as string, 'spec.credential.spec.secretKey'),
    };
  }
  if (credential.type === 'AssumeIAMRole') {
    const env = ctx.environment ?? {};
    const accessKeyId = env['AWS_ACCESS_KEY_ID'];
    const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
    if (!accessKeyId || !secretAccessKey) {
      throw new ConnectorCheckError(
        'NO_DELEGATE_CREDENTIALS',
        'authentication',
        "credential AssumeIAMRole: this delegate has no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in its environment",
        'instance-metadata credentials are not read by this delegate version: set the variables on the delegate',
      );
    }
    return { accessKeyId, secretAccessKey, sessionToken: env['AWS_SESSION_TOKEN'] || undefined };
  }
  throw new ConnectorCheckError('UNSUPPORTED_AUTH', 'authentication', `credential ${credential.type} is not supported by this delegate version`, 'use ManualConfig or AssumeIAMRole');
}

function awsEndpoint(spec: Spec): string {
  return (str(spec, 'endpoint') ?? `https://secretsmanager.${str(spec, 'region') as string}.amazonaws.com`).replace(/\/+$/, '');
}

async function secretsManagerCall(ctx: OperationContext, action: string, input: Record<string, unknown>): Promise<{ answer: HttpAnswer; url: string; error?: { type: string; message: string } }> {
  const url = `${awsEndpoint(ctx.spec)}/`;
  const body = JSON.stringify(input);
  const signed = signSigV4(
    { method: 'POST', url, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `secretsmanager.${action}` }, body },
    awsCredentials(ctx),
    str(ctx.spec, 'region') as string,
    'secretsmanager',
  );
  const answer = await httpCall(ctx, { url, method: 'POST', headers: signed.headers, body });
  if (answer.status === 200) return { answer, url };
  const parsed = parseJson(answer.text) as { __type?: unknown; message?: unknown; Message?: unknown } | undefined;
  const type = typeof parsed?.__type === 'string' ? (parsed.__type.split('#').pop() as string) : `HTTP ${answer.status}`;
  const message = [parsed?.message, parsed?.Message].find((m): m is string => typeof m === 'string') ?? '';
  return { answer, url, error: { type, message: message.slice(0, 300) } };
}

function awsFailure(action: string, url: string, error: { type: string; message: string }, secretId?: string): ConnectorCheckError {
  const message = `AWS Secrets Manager at ${describeUrl(url)} refused ${action}${secretId ? ` of '${secretId}'` : ''}: ${error.type}${error.message ? ` (${error.message})` : ''}`;
  if (AWS_AUTH_ERRORS.has(error.type)) return new ConnectorCheckError('AUTHENTICATION_FAILED', 'authentication', message, 'check the access key the connector refers to');
  if (error.type === 'AccessDeniedException') return new ConnectorCheckError('FORBIDDEN', 'authentication', message, 'the identity needs secretsmanager:GetSecretValue on this secret');
  if (error.type === 'ResourceNotFoundException') return new ConnectorCheckError('SECRET_NOT_FOUND', 'operation', message, 'check the secret name (or ARN) and the version');
  return new ConnectorCheckError('AWS_ERROR', 'operation', message);
}

async function awsRead(ctx: OperationContext, address: ExternalSecretAddress): Promise<string> {
  const version = address.version === undefined ? {} : /^AWS/.test(address.version) ? { VersionStage: address.version } : { VersionId: address.version };
  const { answer, url, error } = await secretsManagerCall(ctx, 'GetSecretValue', { SecretId: address.path, ...version });
  if (error) throw awsFailure('GetSecretValue', url, error, address.path);
  const body = parseJson(answer.text) as { SecretString?: unknown; SecretBinary?: unknown } | undefined;
  const value = typeof body?.SecretString === 'string' ? body.SecretString : typeof body?.SecretBinary === 'string' ? Buffer.from(body.SecretBinary, 'base64').toString('utf8') : undefined;
  if (value === undefined) throw new ConnectorCheckError('AWS_ERROR', 'operation', `AWS Secrets Manager at ${describeUrl(url)} answered GetSecretValue of '${address.path}' without a value`);
  return selectField(value, address.key, `AWS secret '${address.path}'`);
}

/**
 * AWS Secrets Manager. The connection test asks for a secret that does not exist: "not found" (or "not
 * allowed") proves the keys are valid against Secrets Manager itself, with no permission beyond reads.
 */
export const awsSecretManagerOperations: ConnectorOperations = {
  async test(ctx): Promise<CheckOutcome> {
    await ctx.stage('authentication', async () => awsCredentials(ctx));
    const probe = `conduit-connection-test-${randomBytes(6).toString('hex')}`;
    const { answer, url, error } = await ctx.stage('connection', () => secretsManagerCall(ctx, 'GetSecretValue', { SecretId: probe }));
    if (error && error.type !== 'ResourceNotFoundException' && error.type !== 'AccessDeniedException') throw awsFailure('GetSecretValue', url, error, probe);
    return {
      message: `AWS Secrets Manager at ${describeUrl(url)} accepted the credentials (region ${str(ctx.spec, 'region') as string}) in ${answer.latencyMs} ms`,
      details: { latencyMs: answer.latencyMs },
    };
  },
  readSecret: awsRead,
};

// ---------------------------------------------------------------------------------------------------------
// GCP Secret Manager: service-account JWT bearer grant at the key's token_uri, then versions:access.

const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

export interface ServiceAccountKey {
  type: string;
  project_id?: string;
  private_key_id?: string;
  private_key: string;
  client_email: string;
  token_uri: string;
}

/** The key file GOOGLE_APPLICATION_CREDENTIALS names on this delegate (credentials inherited from the delegate). */
export async function delegateServiceAccountKey(ctx: OperationContext, field: string): Promise<ServiceAccountKey> {
  const file = ctx.environment?.['GOOGLE_APPLICATION_CREDENTIALS'];
  if (!file) {
    throw new ConnectorCheckError('NO_DELEGATE_CREDENTIALS', 'authentication', `${field}: this delegate has no GOOGLE_APPLICATION_CREDENTIALS in its environment`, 'metadata-server credentials are not read by this delegate version: point the variable at a key file');
  }
  try {
    return parseServiceAccountKey(await readFile(file, 'utf8'), 'the file GOOGLE_APPLICATION_CREDENTIALS names');
  } catch (error) {
    if (error instanceof ConnectorCheckError) throw error;
    throw new ConnectorCheckError('NO_DELEGATE_CREDENTIALS', 'authentication', `GOOGLE_APPLICATION_CREDENTIALS: ${file} cannot be read on this delegate (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** A service account key file's JSON; `source` says where it came from, for the error. */
export function parseServiceAccountKey(text: string, source: string): ServiceAccountKey {
  const key = parseJson(text) as Partial<ServiceAccountKey> | undefined;
  if (key?.type !== 'service_account' || !key.private_key || !key.client_email || !key.token_uri) {
    throw new ConnectorCheckError('BAD_CREDENTIALS', 'authentication', `${source} is not a service account key file (JSON with type service_account, private_key, client_email, token_uri)`);
  }
  return key as ServiceAccountKey;
}

function gcpKey(ctx: OperationContext): Promise<ServiceAccountKey> | ServiceAccountKey {
  if (ctx.spec['assumeCredentialsOnDelegate'] === true) return delegateServiceAccountKey(ctx, 'assumeCredentialsOnDelegate');
  const ref = str(ctx.spec, 'credentialsRef') as string;
  return parseServiceAccountKey(secretText(ctx, ref, 'spec.credentialsRef'), `secret '${ref}'`);
}

export async function gcpAccessToken(ctx: OperationContext, key: ServiceAccountKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) };
  const claims = { iss: key.client_email, scope: CLOUD_PLATFORM_SCOPE, aud: key.token_uri, iat: now, exp: now + 3600 };
  const unsigned = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(unsigned).sign(key.private_key).toString('base64url');
  } catch {
    throw new ConnectorCheckError('BAD_CREDENTIALS', 'authentication', `the private key of service account ${key.client_email} cannot sign (not an RSA PEM key)`);
  }
  const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${unsigned}.${signature}` }).toString();
  const answer = await httpCall(ctx, { url: key.token_uri, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body, retry: false });
  const parsed = parseJson(answer.text) as { access_token?: unknown; error?: unknown; error_description?: unknown } | undefined;
  if (answer.status !== 200 || typeof parsed?.access_token !== 'string') {
    const reason = [parsed?.error, parsed?.error_description].filter((x): x is string => typeof x === 'string').join(': ').slice(0, 300);
    throw new ConnectorCheckError('AUTHENTICATION_FAILED', 'authentication', `token endpoint ${describeUrl(key.token_uri)} refused service account ${key.client_email} (${answer.status}${reason ? `, ${reason}` : ''})`, 'check the key file: is the key still active?');
  }
  return parsed.access_token;
}

async function gcpRead(ctx: OperationContext, address: ExternalSecretAddress): Promise<string> {
  const key = await gcpKey(ctx);
  const token = await gcpAccessToken(ctx, key);
  let name = address.path.replace(/^\/+/, '');
  if (!name.startsWith('projects/')) {
    if (!key.project_id) throw new ConnectorCheckError('BAD_REFERENCE', 'operation', `path '${address.path}' names no project and the key file has no project_id: write projects/<project>/secrets/<name>`);
    name = `projects/${key.project_id}/secrets/${name}`;
  }
  if (!name.includes('/versions/')) name = `${name}/versions/${address.version ?? 'latest'}`;
  const url = `${(str(ctx.spec, 'endpoint') ?? 'https://secretmanager.googleapis.com').replace(/\/+$/, '')}/v1/${encodePath(name)}:access`;
  const answer = await httpCall(ctx, { url, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  const body = parseJson(answer.text) as { payload?: { data?: unknown }; error?: { message?: unknown; status?: unknown } } | undefined;
  if (answer.status !== 200 || typeof body?.payload?.data !== 'string') {
    const reason = [body?.error?.status, body?.error?.message].filter((x): x is string => typeof x === 'string').join(': ').slice(0, 300);
    const message = `GCP Secret Manager at ${describeUrl(url)} answered ${answer.status}${reason ? ` (${reason})` : ''}`;
    if (answer.status === 401 || answer.status === 403) throw new ConnectorCheckError(answer.status === 401 ? 'AUTHENTICATION_FAILED' : 'FORBIDDEN', 'authentication', message, 'the service account needs roles/secretmanager.secretAccessor on the secret');
    if (answer.status === 404) throw new ConnectorCheckError('SECRET_NOT_FOUND', 'operation', message, 'check the secret name and version');
    throw new ConnectorCheckError('GCP_ERROR', 'operation', message);
  }
  return selectField(Buffer.from(body.payload.data, 'base64').toString('utf8'), address.key, `GCP secret '${name}'`);
}

/** GCP Secret Manager: the connection test gets an access token for the service account. */
export const gcpSecretManagerOperations: ConnectorOperations = {
  async test(ctx): Promise<CheckOutcome> {
    const key = await ctx.stage('authentication', async () => gcpKey(ctx));
    const started = Date.now();
    await ctx.stage('connection', () => gcpAccessToken(ctx, key));
    const latencyMs = Date.now() - started;
    return { message: `service account ${key.client_email} got an access token from ${describeUrl(key.token_uri)} in ${latencyMs} ms`, details: { serviceAccount: key.client_email, latencyMs } };
  },
  readSecret: gcpRead,
};
