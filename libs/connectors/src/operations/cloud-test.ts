import { ConnectorCheckError, ConnectorOperations, OperationContext, secretText } from './context';
import { AwsCredentials, signSigV4 } from './aws-sigv4';
import { describeUrl, httpCall, parseJson, withoutSlash } from './http-client';
import { delegateServiceAccountKey, gcpAccessToken, parseServiceAccountKey, ServiceAccountKey } from './secret-managers';

// Connection tests of the cloud accounts: each obtains credentials the way the provider's SDK would and
// asks the provider who they are (AWS STS GetCallerIdentity) or for an access token (Google, Microsoft).
// Endpoints follow the SDKs' own environment overrides on the delegate (AWS_ENDPOINT_URL_STS,
// AZURE_AUTHORITY_HOST), which is also how the tests reach the stand-ins.

type Spec = Record<string, unknown>;
const obj = (value: unknown): Spec => (value && typeof value === 'object' ? (value as Spec) : {});

const unsupported = (what: string, use: string) =>
  new ConnectorCheckError('UNSUPPORTED_AUTH', 'authentication', `${what} is not supported by this delegate version`, use);

// ---- AWS -----------------------------------------------------------------------------------------------

const STS_AUTH_ERRORS = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'IncompleteSignature', 'MissingAuthenticationToken']);

function xmlField(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

function stsEndpoint(ctx: OperationContext, region: string): string {
  const env = ctx.environment ?? {};
  return withoutSlash(env['AWS_ENDPOINT_URL_STS'] || env['AWS_ENDPOINT_URL'] || `https://sts.${region}.amazonaws.com`);
}

/** The long-term or delegate credentials the connector starts from (before any cross-account role). */
function awsBaseCredentials(ctx: OperationContext): { credentials: AwsCredentials; source: string } {
  const credential = obj(ctx.spec['credential']);
  const type = credential['type'] as string;
  if (type === 'ManualConfig') {
    const spec = obj(credential['spec']);
    const accessKeyId = spec['accessKeyRef'] ? secretText(ctx, spec['accessKeyRef'] as string, 'spec.credential.spec.accessKeyRef') : (spec['accessKey'] as string);
    return {
      credentials: {
        accessKeyId,
        secretAccessKey: secretText(ctx, spec['secretKeyRef'] as string, 'spec.credential.spec.secretKeyRef'),
        ...(spec['sessionTokenRef'] ? { sessionToken: secretText(ctx, spec['sessionTokenRef'] as string, 'spec.credential.spec.sessionTokenRef') } : {}),
      },
      source: 'the access key',
    };
  }
  if (type === 'InheritFromDelegate') {
    const env = ctx.environment ?? {};
    const accessKeyId = env['AWS_ACCESS_KEY_ID'];
    const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
    if (!accessKeyId || !secretAccessKey) {
      throw new ConnectorCheckError('NO_DELEGATE_CREDENTIALS', 'authentication', 'credential InheritFromDelegate: this delegate has no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in its environment', 'instance-metadata credentials are not read by this delegate version: set the variables on the delegate');
    }
    return { credentials: { accessKeyId, secretAccessKey, ...(env['AWS_SESSION_TOKEN'] ? { sessionToken: env['AWS_SESSION_TOKEN'] } : {}) }, source: "the delegate's credentials" };
  }
  throw unsupported(`credential ${type}`, 'use ManualConfig or InheritFromDelegate');
}

/** One STS Query-protocol call (form body, XML answer), signed with SigV4; STS errors become check errors. */
async function stsCall(ctx: OperationContext, region: string, credentials: AwsCredentials, params: Record<string, string>, who: string): Promise<{ xml: string; latencyMs: number; url: string }> {
  const url = `${stsEndpoint(ctx, region)}/`;
  const body = new URLSearchParams({ ...params, Version: '2011-06-15' }).toString();
  const signed = signSigV4({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body }, credentials, region, 'sts');
  // AssumeRole issues credentials: repeating it after a lost answer is harmless, so both calls retry.
  const answer = await httpCall(ctx, { url, method: 'POST', headers: signed.headers, body });
  if (answer.status === 200) return { xml: answer.text, latencyMs: answer.latencyMs, url };
  const code = xmlField(answer.text, 'Code') ?? `HTTP ${answer.status}`;
  const message = `AWS STS at ${describeUrl(url)} refused ${params['Action'] as string} for ${who}: ${code}${xmlField(answer.text, 'Message') ? ` (${(xmlField(answer.text, 'Message') as string).slice(0, 300)})` : ''}`;
  if (STS_AUTH_ERRORS.has(code)) throw new ConnectorCheckError('AUTHENTICATION_FAILED', 'authentication', message, `check ${who}: the key id, the secret key and, for temporary keys, the session token`);
  if (code === 'AccessDenied') throw new ConnectorCheckError('FORBIDDEN', 'authentication', message, params['Action'] === 'AssumeRole' ? "the role's trust policy must allow this identity (and the external id, if it requires one)" : undefined);
  throw new ConnectorCheckError('AWS_ERROR', 'operation', message);
}

export const awsOperations: ConnectorOperations = {
  async test(ctx) {
    const credential = obj(ctx.spec['credential']);
    const region = (credential['region'] as string | undefined) ?? 'us-east-1';
    const base = await ctx.stage('authentication', async () => awsBaseCredentials(ctx));
    const crossAccount = credential['crossAccountAccess'] ? obj(credential['crossAccountAccess']) : undefined;
    const active = await ctx.stage('connection', async () => {
      if (!crossAccount) return { credentials: base.credentials, via: base.source };
      const roleArn = crossAccount['crossAccountRoleArn'] as string;
      const assumed = await stsCall(ctx, region, base.credentials, { Action: 'AssumeRole', RoleArn: roleArn, RoleSessionName: 'conduit-connection-test', DurationSeconds: '900', ...(crossAccount['externalId'] ? { ExternalId: crossAccount['externalId'] as string } : {}) }, base.source);
      const accessKeyId = xmlField(assumed.xml, 'AccessKeyId');
      const secretAccessKey = xmlField(assumed.xml, 'SecretAccessKey');
      const sessionToken = xmlField(assumed.xml, 'SessionToken');
      if (!accessKeyId || !secretAccessKey || !sessionToken) throw new ConnectorCheckError('AWS_ERROR', 'operation', `AWS STS at ${describeUrl(assumed.url)} answered AssumeRole of ${roleArn} without credentials`);
      return { credentials: { accessKeyId, secretAccessKey, sessionToken }, via: `role ${roleArn}` };
    });
    return ctx.stage('operation', async () => {
      const identity = await stsCall(ctx, region, active.credentials, { Action: 'GetCallerIdentity' }, active.via);
      const arn = xmlField(identity.xml, 'Arn') ?? null;
      const account = xmlField(identity.xml, 'Account') ?? null;
      return {
        message: `AWS STS at ${describeUrl(identity.url)} identified ${active.via} as ${arn ?? 'an unnamed identity'} (account ${account ?? 'unknown'}) in ${identity.latencyMs} ms`,
        details: { arn, account, region, latencyMs: identity.latencyMs },
      };
    });
  },
};

// ---- Google Cloud --------------------------------------------------------------------------------------

export const gcpOperations: ConnectorOperations = {
  async test(ctx) {
    const credential = obj(ctx.spec['credential']);
    const key = await ctx.stage('authentication', async (): Promise<ServiceAccountKey> => {
      if (credential['type'] === 'ManualConfig') {
        const ref = obj(credential['spec'])['secretKeyRef'] as string;
        return parseServiceAccountKey(secretText(ctx, ref, 'spec.credential.spec.secretKeyRef'), `secret '${ref}'`);
      }
      if (credential['type'] === 'InheritFromDelegate') return delegateServiceAccountKey(ctx, 'credential InheritFromDelegate');
      throw unsupported(`credential ${credential['type'] as string}`, 'use ManualConfig or InheritFromDelegate');
    });
    const started = performance.now();
    await ctx.stage('connection', () => gcpAccessToken(ctx, key));
    const latencyMs = Math.round(performance.now() - started);
    return ctx.stage('operation', async () => ({
      message: `service account ${key.client_email} got an access token from ${describeUrl(key.token_uri)} in ${latencyMs} ms`,
      details: { serviceAccount: key.client_email, project: key.project_id ?? null, latencyMs },
    }));
  },
};

// ---- Microsoft Azure -----------------------------------------------------------------------------------

const AZURE_CLOUDS = {
  AZURE: { authority: 'https://login.microsoftonline.com', resource: 'https://management.azure.com' },
  AZURE_US_GOVERNMENT: { authority: 'https://login.microsoftonline.us', resource: 'https://management.usgovcloudapi.net' },
} as const;

/** The AADSTS code of an identity-platform error ("AADSTS7000215: Invalid client secret …"), as a hint source. */
const AADSTS_HINTS: Record<string, string> = {
  '7000215': 'the client secret is wrong or expired: use the secret value (not its id) of a current secret',
  '700016': 'the application id is not registered in this tenant',
  '90002': 'the tenant id is wrong, or belongs to another cloud (azureEnvironmentType)',
};

export const azureOperations: ConnectorOperations = {
  async test(ctx) {
    const credential = obj(ctx.spec['credential']);
    if (credential['type'] !== 'ManualConfig') {
      throw unsupported(`credential ${credential['type'] as string}`, 'use ManualConfig with a client secret');
    }
    const spec = obj(credential['spec']);
    const auth = obj(spec['auth']);
    const clientSecret = await ctx.stage('authentication', async () => {
      if (auth['type'] !== 'Secret') throw unsupported(`auth ${auth['type'] as string}`, 'use a client secret (auth type Secret)');
      return secretText(ctx, obj(auth['spec'])['secretRef'] as string, 'spec.credential.spec.auth.spec.secretRef');
    });
    const cloud = AZURE_CLOUDS[(ctx.spec['azureEnvironmentType'] as keyof typeof AZURE_CLOUDS | undefined) ?? 'AZURE'];
    const authority = withoutSlash(ctx.environment?.['AZURE_AUTHORITY_HOST'] || cloud.authority);
    const tenant = spec['tenantId'] as string;
    const clientId = spec['applicationId'] as string;
    const url = `${authority}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: `${cloud.resource}/.default` }).toString();
    const answer = await ctx.stage('connection', () => httpCall(ctx, { url, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body }));
    return ctx.stage('operation', async () => {
      const parsed = parseJson<{ access_token?: unknown; error?: unknown; error_codes?: unknown[]; error_description?: unknown }>(answer);
      if (answer.status === 200 && typeof parsed?.access_token === 'string') {
        return { message: `Microsoft identity platform ${describeUrl(url)} issued application ${clientId} a token for ${cloud.resource} in ${answer.latencyMs} ms`, details: { tenantId: tenant, applicationId: clientId, latencyMs: answer.latencyMs } };
      }
      const code = String(parsed?.error_codes?.[0] ?? '');
      // The description's first sentence: the rest is trace and correlation ids.
      const reason = typeof parsed?.error_description === 'string' ? parsed.error_description.split(/ Trace ID:/)[0]?.slice(0, 300) : undefined;
      const message = `authentication failed: application ${clientId} rejected by ${describeUrl(url)} (${answer.status}${typeof parsed?.error === 'string' ? ` ${parsed.error}` : ''})${reason ? `: ${reason}` : ''}`;
      if (answer.status === 400 || answer.status === 401) throw new ConnectorCheckError('AUTHENTICATION_FAILED', 'authentication', message, AADSTS_HINTS[code] ?? 'check the tenant id, application id and client secret');
      throw new ConnectorCheckError('UNEXPECTED_STATUS', 'operation', message);
    });
  },
};
