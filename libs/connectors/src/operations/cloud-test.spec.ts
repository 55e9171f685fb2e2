import { createServer, Server } from 'node:http';
import { validateConnectorSpec } from '../catalog';
import { awsOperations, azureOperations } from './cloud-test';
import { testContext } from './testing';

let server: Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  // Answers every STS call the way STS answers an unknown access key id.
  server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(403, { 'content-type': 'text/xml' });
    res.end('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>x</RequestId></ErrorResponse>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());

const validated = (type: string, raw: Record<string, unknown>) => {
  const v = validateConnectorSpec(type, raw);
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return v.spec;
};

describe('Aws connector test', () => {
  const manual = () => validated('Aws', { credential: { type: 'ManualConfig', spec: { accessKey: 'AKIAEXAMPLE', secretKeyRef: 'sk' } } });

  it('sends STS to AWS_ENDPOINT_URL_STS before AWS_ENDPOINT_URL, and reports InvalidClientTokenId as an authentication failure', async () => {
    const { ctx } = testContext(manual(), { sk: 'secret-canary' });
    ctx.environment = { AWS_ENDPOINT_URL_STS: base, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
    const error = await awsOperations.test(ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication', message: `AWS STS at ${base}/ refused GetCallerIdentity for the access key: InvalidClientTokenId (The security token included in the request is invalid.)` });
    expect(JSON.stringify(error)).not.toContain('secret-canary');
    expect(hits.at(-1)).toBe('POST /');
  });

  it('names the credential kinds this delegate cannot use yet instead of falling back to another identity', async () => {
    const irsa = validated('Aws', { credential: { type: 'Irsa' }, delegateSelectors: ['eks'] });
    await expect(awsOperations.test(testContext(irsa).ctx)).rejects.toMatchObject({ code: 'UNSUPPORTED_AUTH', stage: 'authentication', message: 'credential Irsa is not supported by this delegate version' });
  });
});

describe('Azure connector test', () => {
  it('refuses certificate and managed-identity credentials by name', async () => {
    const certificate = validated('Azure', { credential: { type: 'ManualConfig', spec: { applicationId: 'app', tenantId: 'tenant', auth: { type: 'Certificate', spec: { certificateRef: 'cert' } } } } });
    await expect(azureOperations.test(testContext(certificate, { cert: 'pem' }).ctx)).rejects.toMatchObject({ code: 'UNSUPPORTED_AUTH', message: 'auth Certificate is not supported by this delegate version' });
    const managed = validated('Azure', { credential: { type: 'InheritFromDelegate', spec: { auth: { type: 'SystemAssignedManagedIdentity' } } }, delegateSelectors: ['aks'] });
    await expect(azureOperations.test(testContext(managed).ctx)).rejects.toMatchObject({ code: 'UNSUPPORTED_AUTH' });
  });
});
