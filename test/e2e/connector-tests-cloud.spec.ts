import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ConnectorCheckError } from '@conduit/connectors';
import { startAws, startAzure, startGcp, type AwsStandIn, type AzureStandIn, type GcpStandIn } from '../peers';
import { context, failure, text } from '../support/connector-check';

const secretFree = (error: ConnectorCheckError, ...secrets: string[]) => {
  for (const secret of secrets) expect(`${error.message} ${error.hint ?? ''}`).not.toContain(secret);
};

describe('Aws connector test (STAND-IN for AWS STS, verifying every SigV4 signature)', () => {
  let aws: AwsStandIn;
  const externalId = 'conduit-tenant-7f3a';
  beforeAll(async () => {
    aws = await startAws({ roles: [{ name: 'conduit-deployer' }, { name: 'partner-deployer', externalId }] });
  });
  afterAll(() => aws?.stop());
  beforeEach(() => aws.clearRequests());
  const endpoint = () => ({ AWS_ENDPOINT_URL_STS: aws.url });
  const manual = (extra: Record<string, unknown> = {}) => ({ credential: { type: 'ManualConfig', spec: { accessKey: aws.credentials.accessKeyId, secretKeyRef: 'aws_secret' }, region: aws.region, ...extra } });

  it('asks STS GetCallerIdentity with the access key and reports the caller ARN', async () => {
    const { test, stages } = context('Aws', manual(), { aws_secret: text(aws.credentials.secretAccessKey) }, endpoint());
    const outcome = await test();
    expect(outcome.message).toMatch(new RegExp(`^AWS STS at ${aws.url}/ identified the access key as ${aws.userArn} \\(account ${aws.accountId}\\) in \\d+ ms$`));
    expect(outcome.details).toMatchObject({ arn: aws.userArn, account: aws.accountId, region: aws.region });
    expect(aws.requests.map((r) => [r.status, r.identity])).toEqual([[200, aws.userArn]]);
    expect(stages.every((s) => s.ok)).toBe(true);
  });

  it('assumes a cross-account role with its external id, then identifies as the assumed role', async () => {
    const { test } = context('Aws', manual({ crossAccountAccess: { crossAccountRoleArn: aws.roleArns['partner-deployer'], externalId } }), { aws_secret: text(aws.credentials.secretAccessKey) }, endpoint());
    const outcome = await test();
    expect(outcome.details?.['arn']).toBe(`arn:aws:sts::${aws.accountId}:assumed-role/partner-deployer/conduit-connection-test`);
    expect(aws.requests.map((r) => (r.body as Record<string, string>)['Action'])).toEqual(['AssumeRole', 'GetCallerIdentity']);
  });

  it('reports a wrong external id as FORBIDDEN at AssumeRole, naming the trust policy', async () => {
    const { test } = context('Aws', manual({ crossAccountAccess: { crossAccountRoleArn: aws.roleArns['partner-deployer'], externalId: 'not-the-one' } }), { aws_secret: text(aws.credentials.secretAccessKey) }, endpoint());
    const error = await failure(test());
    expect(error).toMatchObject({ code: 'FORBIDDEN', stage: 'authentication' });
    expect(error.message).toContain(`refused AssumeRole for the access key: AccessDenied (User: ${aws.userArn} is not authorized to perform: sts:AssumeRole`);
    expect(error.hint).toContain('external id');
  });

  it('reports a wrong secret key as AUTHENTICATION_FAILED (SignatureDoesNotMatch) without echoing it, and does not retry', async () => {
    const wrong = `${aws.credentials.secretAccessKey.slice(0, -4)}AAAA`;
    const error = await failure(context('Aws', manual(), { aws_secret: text(wrong) }, endpoint()).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toMatch(/^AWS STS at http:\/\/127\.0\.0\.1:\d+\/ refused GetCallerIdentity for the access key: SignatureDoesNotMatch/);
    secretFree(error, wrong);
    expect(aws.requests).toHaveLength(1);
  });

  it("inherits the delegate's credentials (InheritFromDelegate) from its environment", async () => {
    const env = { ...endpoint(), AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey };
    const outcome = await context('Aws', { credential: { type: 'InheritFromDelegate', region: aws.region }, delegateSelectors: ['aws'] }, {}, env).test();
    expect(outcome.message).toContain(`identified the delegate's credentials as ${aws.userArn}`);
    const error = await failure(context('Aws', { credential: { type: 'InheritFromDelegate' }, delegateSelectors: ['aws'] }, {}, endpoint()).test());
    expect(error).toMatchObject({ code: 'NO_DELEGATE_CREDENTIALS', stage: 'authentication' });
  });
});

describe('Gcp connector test (STAND-IN for the Google OAuth 2.0 token endpoint, verifying the JWT signature)', () => {
  let gcp: GcpStandIn;
  let dir: string;
  beforeAll(async () => {
    gcp = await startGcp();
    dir = mkdtempSync(path.join(tmpdir(), 'conduit-gcp-'));
  });
  afterAll(async () => {
    await gcp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs a service-account JWT with the key file from a secret and gets an access token', async () => {
    const { test, stages } = context('Gcp', { credential: { type: 'ManualConfig', spec: { secretKeyRef: 'sa_key' } } }, { sa_key: text(JSON.stringify(gcp.serviceAccountKey)) });
    const outcome = await test();
    expect(outcome.message).toMatch(new RegExp(`^service account ${gcp.serviceAccountKey.client_email} got an access token from ${gcp.tokenUri} in \\d+ ms$`));
    expect(gcp.accessTokens.at(-1)).toMatchObject({ serviceAccount: gcp.serviceAccountKey.client_email, scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
    expect(stages.map((s) => s.stage)).toEqual(['authentication', 'connection', 'operation']);
  });

  it('reads the key GOOGLE_APPLICATION_CREDENTIALS names for InheritFromDelegate', async () => {
    const file = path.join(dir, 'key.json');
    writeFileSync(file, JSON.stringify(gcp.serviceAccountKey), { mode: 0o600 });
    const outcome = await context('Gcp', { credential: { type: 'InheritFromDelegate' }, delegateSelectors: ['gcp'] }, {}, { GOOGLE_APPLICATION_CREDENTIALS: file }).test();
    expect(outcome.details).toMatchObject({ serviceAccount: gcp.serviceAccountKey.client_email, project: gcp.projectId });
  });

  it('reports a key the token endpoint does not accept (another private key) as AUTHENTICATION_FAILED', async () => {
    const other = await startGcp();
    try {
      const forged = { ...gcp.serviceAccountKey, private_key: other.serviceAccountKey.private_key };
      const error = await failure(context('Gcp', { credential: { type: 'ManualConfig', spec: { secretKeyRef: 'sa_key' } } }, { sa_key: text(JSON.stringify(forged)) }).test());
      expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
      expect(error.message).toBe(`token endpoint ${gcp.tokenUri} refused service account ${gcp.serviceAccountKey.client_email} (400, invalid_grant: Invalid JWT Signature.)`);
      secretFree(error, forged.private_key.split('\n')[1] as string);
    } finally {
      await other.stop();
    }
  });
});

describe('Azure connector test (STAND-IN for the Microsoft identity platform client credentials flow)', () => {
  let azure: AzureStandIn;
  beforeAll(async () => {
    azure = await startAzure();
  });
  afterAll(() => azure?.stop());
  const spec = (tenantId = azure.tenantId) => ({ credential: { type: 'ManualConfig', spec: { applicationId: azure.clientId, tenantId, auth: { type: 'Secret', spec: { secretRef: 'client_secret' } } } } });
  const authority = () => ({ AZURE_AUTHORITY_HOST: azure.url });

  it('gets an Azure Resource Manager token with the client secret', async () => {
    const outcome = await context('Azure', spec(), { client_secret: text(azure.clientSecret) }, authority()).test();
    expect(outcome.message).toMatch(new RegExp(`^Microsoft identity platform ${azure.url}/${azure.tenantId}/oauth2/v2\\.0/token issued application ${azure.clientId} a token for https://management\\.azure\\.com in \\d+ ms$`));
    expect(azure.issued.at(-1)).toEqual({ clientId: azure.clientId, scope: 'https://management.azure.com/.default' });
  });

  it('reports a wrong client secret with its AADSTS reason and an actionable hint, without the secret', async () => {
    const wrong = `${azure.clientSecret}x`;
    const error = await failure(context('Azure', spec(), { client_secret: text(wrong) }, authority()).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toMatch(new RegExp(`^authentication failed: application ${azure.clientId} rejected by .* \\(401 invalid_client\\): AADSTS7000215: Invalid client secret provided\\.`));
    expect(error.message).not.toContain('Trace ID');
    expect(error.hint).toContain('secret value (not its id)');
    secretFree(error, wrong);
  });

  it('names a wrong tenant (AADSTS90002)', async () => {
    const error = await failure(context('Azure', spec('00000000-0000-4000-8000-000000000000'), { client_secret: text(azure.clientSecret) }, authority()).test());
    expect(error.message).toContain('(400 invalid_request): AADSTS90002');
    expect(error.hint).toContain('tenant id is wrong');
  });
});
