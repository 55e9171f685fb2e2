// SigV4 against AWS's published vectors, then the STS / Secrets Manager stand-in that verifies it.
import { createHash } from 'node:crypto';
import { canonicalRequest, signingKey, signSigV4, verifySigV4, WireRequest } from './aws-sigv4';
import { AwsStandIn, startAws } from './aws';

const EXAMPLE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SUITE_DATE = new Date('2015-08-30T12:36:00Z');
const STS_TOKEN =
  'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';

interface Vector {
  name: string;
  method: string;
  /** Path and query exactly as in the suite's .req file. */
  target: string;
  headers: Array<[string, string]>;
  body?: string;
  sessionToken?: string;
  signedHeaders: string;
  signature: string;
  /** The suite's .creq, where the test checks the canonical request itself. */
  creq?: string;
}

const HOST: [string, string] = ['Host', 'example.amazonaws.com'];
const DATE: [string, string] = ['X-Amz-Date', '20150830T123600Z'];
const EMPTY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** From the AWS Signature Version 4 test suite (region us-east-1, service "service"). */
const SUITE: Vector[] = [
  {
    name: 'get-vanilla',
    method: 'GET',
    target: '/',
    headers: [HOST, DATE],
    signedHeaders: 'host;x-amz-date',
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    creq: `GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_HASH}`,
  },
  {
    name: 'get-vanilla-query-order-key',
    method: 'GET',
    target: '/?Param1=value2&Param1=Value1',
    headers: [HOST, DATE],
    signedHeaders: 'host;x-amz-date',
    signature: 'eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1',
  },
  {
    name: 'get-vanilla-query-order-key-case',
    method: 'GET',
    target: '/?Param2=value2&Param1=value1',
    headers: [HOST, DATE],
    signedHeaders: 'host;x-amz-date',
    signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  },
  {
    name: 'get-vanilla-query-order-value',
    method: 'GET',
    target: '/?Param1=value2&Param1=value1',
    headers: [HOST, DATE],
    signedHeaders: 'host;x-amz-date',
    signature: '5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694',
  },
  {
    name: 'get-vanilla-query-unreserved',
    method: 'GET',
    target:
      '/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
    headers: [HOST, DATE],
    signedHeaders: 'host;x-amz-date',
    signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197',
  },
  {
    name: 'get-vanilla-utf8-query',
    method: 'GET',
    target: '/?ሴ=bar',
    headers: [HOST, DATE],
    signedHeaders: 'host;x-amz-date',
    signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04',
    creq: `GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_HASH}`,
  },
  {
    name: 'get-unreserved',
    method: 'GET',
    target: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
    headers: [HOST, DATE],
    signedHeaders: 'host;x-amz-date',
    signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
  },
  {
    name: 'get-header-key-duplicate',
    method: 'GET',
    target: '/',
    headers: [HOST, ['My-Header1', 'value2'], ['My-Header1', 'value2'], ['My-Header1', 'value1'], DATE],
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea',
  },
  {
    name: 'get-header-value-order',
    method: 'GET',
    target: '/',
    headers: [
      HOST,
      ['My-Header1', 'value4'],
      ['My-Header1', 'value1'],
      ['My-Header1', 'value3'],
      ['My-Header1', 'value2'],
      DATE,
    ],
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01',
  },
  {
    name: 'get-header-value-trim',
    method: 'GET',
    target: '/',
    headers: [HOST, ['My-Header1', ' value1'], ['My-Header2', ' "a   b   c"'], DATE],
    signedHeaders: 'host;my-header1;my-header2;x-amz-date',
    signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
    creq: `GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:"a b c"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n${EMPTY_HASH}`,
  },
  {
    name: 'post-vanilla',
    method: 'POST',
    target: '/',
    headers: [HOST, DATE],
    signedHeaders: 'host;x-amz-date',
    signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
  },
  {
    name: 'post-vanilla-query',
    method: 'POST',
    target: '/?Param1=value1',
    headers: [HOST, DATE],
    signedHeaders: 'host;x-amz-date',
    signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11',
  },
  {
    name: 'post-header-key-sort',
    method: 'POST',
    target: '/',
    headers: [HOST, ['My-Header1', 'value1'], DATE],
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c',
  },
  {
    name: 'post-header-value-case',
    method: 'POST',
    target: '/',
    headers: [HOST, ['My-Header1', 'VALUE1'], DATE],
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d',
  },
  {
    // Signed headers as in the suite's .authz; its .creq also lists content-length (a known inconsistency of
    // the suite), and its -parameters variant does not reproduce with either reading, so it is left out.
    name: 'post-x-www-form-urlencoded',
    method: 'POST',
    target: '/',
    headers: [['Content-Type', 'application/x-www-form-urlencoded'], HOST, DATE],
    body: 'Param1=value1',
    signedHeaders: 'content-type;host;x-amz-date',
    signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  },
  {
    name: 'get-space (normalize-path)',
    method: 'GET',
    target: '/example space/',
    headers: [HOST, DATE],
    signedHeaders: 'host;x-amz-date',
    signature: '652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741',
    creq: `GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_HASH}`,
  },
  {
    name: 'get-slashes (normalize-path)',
    method: 'GET',
    target: '//example//',
    headers: [HOST, DATE],
    signedHeaders: 'host;x-amz-date',
    signature: '9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84',
  },
  {
    name: 'get-slash-pointless-dot (normalize-path)',
    method: 'GET',
    target: '/./example',
    headers: [HOST, DATE],
    signedHeaders: 'host;x-amz-date',
    signature: 'ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5',
  },
  {
    name: 'get-relative-relative (normalize-path)',
    method: 'GET',
    target: '/example1/example2/../..',
    headers: [HOST, DATE],
    signedHeaders: 'host;x-amz-date',
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'post-sts-header-before',
    method: 'POST',
    target: '/',
    headers: [HOST, DATE, ['X-Amz-Security-Token', STS_TOKEN]],
    sessionToken: STS_TOKEN,
    signedHeaders: 'host;x-amz-date;x-amz-security-token',
    signature: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead',
  },
];

const wire = (vector: Vector, authorization: string): WireRequest => {
  const queryAt = vector.target.indexOf('?');
  return {
    method: vector.method,
    path: queryAt < 0 ? vector.target : vector.target.slice(0, queryAt),
    query: queryAt < 0 ? '' : vector.target.slice(queryAt + 1),
    headers: [...vector.headers, ['Authorization', authorization]],
    body: vector.body ?? '',
  };
};

describe('SigV4: AWS Signature Version 4 test suite vectors', () => {
  it.each(SUITE.map((v) => [v.name, v] as const))('%s: signs to the published signature', (_name, vector) => {
    const signed = signSigV4(
      {
        method: vector.method,
        url: `https://example.amazonaws.com${vector.target}`,
        headers: vector.headers,
        body: vector.body,
      },
      { ...EXAMPLE, sessionToken: vector.sessionToken },
      'us-east-1',
      'service',
      SUITE_DATE,
    );
    expect(signed.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${vector.signedHeaders}, Signature=${vector.signature}`,
    );
    if (vector.creq) expect(signed.canonicalRequest).toBe(vector.creq);
  });

  it.each(SUITE.map((v) => [v.name, v] as const))(
    '%s: the verifier accepts it and rejects a changed signature',
    (_name, vector) => {
      const authorization = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${vector.signedHeaders}, Signature=${vector.signature}`;
      const lookup = () => ({ secretAccessKey: EXAMPLE.secretAccessKey, sessionToken: vector.sessionToken });
      const options = { now: SUITE_DATE, region: 'us-east-1', services: ['service'] };
      expect(verifySigV4(wire(vector, authorization), lookup, options)).toMatchObject({ ok: true });
      const flipped = authorization.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
      expect(verifySigV4(wire(vector, flipped), lookup, options)).toMatchObject({
        ok: false,
        failure: { code: 'SignatureDoesNotMatch' },
      });
    },
  );
});

describe('SigV4: the IAM ListUsers example of the SigV4 documentation', () => {
  const request = {
    method: 'GET',
    url: 'https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
  };

  it('derives the documented signing key, canonical request hash and signature', () => {
    expect(signingKey(EXAMPLE.secretAccessKey, '20150830', 'us-east-1', 'iam').toString('hex')).toBe(
      'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9',
    );
    const signed = signSigV4(request, EXAMPLE, 'us-east-1', 'iam', SUITE_DATE);
    expect(createHash('sha256').update(signed.canonicalRequest).digest('hex')).toBe(
      'f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59',
    );
    expect(signed.stringToSign).toBe(
      'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59',
    );
    expect(signed.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    );
  });

  it('derives the key of "Examples of how to derive a signing key" (20120215, us-east-1, iam)', () => {
    expect(signingKey(EXAMPLE.secretAccessKey, '20120215', 'us-east-1', 'iam').toString('hex')).toBe(
      'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d',
    );
  });

  it('is the canonical request the verifier rebuilds', () => {
    const signed = signSigV4(request, EXAMPLE, 'us-east-1', 'iam', SUITE_DATE);
    const pairs: Array<[string, string]> = [['Host', 'iam.amazonaws.com'], ...Object.entries(signed.headers)];
    const rebuilt = canonicalRequest(
      { method: 'GET', path: '/', query: 'Action=ListUsers&Version=2010-05-08', headers: pairs, body: '' },
      ['content-type', 'host', 'x-amz-date'],
    );
    expect(rebuilt).toBe(signed.canonicalRequest);
  });
});

describe('AWS stand-in: STS and Secrets Manager with verified signatures', () => {
  let aws: AwsStandIn;
  beforeAll(async () => {
    aws = await startAws({
      secrets: { 'conduit/db': '{"password":"hunter2"}', restricted: { value: 'x', allow: ['someone-else'] } },
    });
  });
  afterAll(() => aws?.stop());

  async function sts(
    body: string,
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
    date = new Date(),
  ) {
    const signed = signSigV4(
      {
        method: 'POST',
        url: `${aws.url}/`,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      },
      credentials,
      aws.region,
      'sts',
      date,
    );
    const response = await fetch(`${aws.url}/`, { method: 'POST', headers: signed.headers, body });
    return { status: response.status, body: await response.text() };
  }

  async function getSecret(
    secretId: string,
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  ) {
    const body = JSON.stringify({ SecretId: secretId });
    const signed = signSigV4(
      {
        method: 'POST',
        url: `${aws.url}/`,
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.GetSecretValue' },
        body,
      },
      credentials,
      aws.region,
      'secretsmanager',
      new Date(),
    );
    const response = await fetch(`${aws.url}/`, { method: 'POST', headers: signed.headers, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const CALLER = 'Action=GetCallerIdentity&Version=2011-06-15';

  it('GetCallerIdentity names the signing user', async () => {
    const response = await sts(CALLER, aws.credentials);
    expect(response.status).toBe(200);
    expect(response.body).toContain(`<Arn>${aws.userArn}</Arn>`);
    expect(response.body).toContain(`<Account>${aws.accountId}</Account>`);
    expect(aws.requests.at(-1)).toMatchObject({
      identity: aws.userArn,
      headers: { authorization: 'AWS4-HMAC-SHA256 <redacted>' },
    });
  });

  it('refuses a wrong secret key with SignatureDoesNotMatch', async () => {
    const response = await sts(CALLER, { ...aws.credentials, secretAccessKey: 'wrong' });
    expect(response.status).toBe(403);
    expect(response.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(response.body).toContain('The request signature we calculated does not match the signature you provided.');
  });

  it('refuses an unknown access key with InvalidClientTokenId', async () => {
    const response = await sts(CALLER, { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' });
    expect(response.status).toBe(403);
    expect(response.body).toContain('<Code>InvalidClientTokenId</Code>');
    expect(response.body).toContain('<Message>The security token included in the request is invalid.</Message>');
  });

  it('refuses a signature from long ago', async () => {
    const response = await sts(CALLER, aws.credentials, new Date(Date.now() - 60 * 60 * 1000));
    expect(response.status).toBe(403);
    expect(response.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(response.body).toContain('Signature expired:');
  });

  it('AssumeRole issues session credentials that work until they expire', async () => {
    const roleArn = aws.roleArns['conduit-deployer'];
    const assumed = await sts(
      `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(roleArn)}&RoleSessionName=delegate-1`,
      aws.credentials,
    );
    expect(assumed.status).toBe(200);
    const pick = (tag: string) => new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(assumed.body)?.[1] as string;
    const session = {
      accessKeyId: pick('AccessKeyId'),
      secretAccessKey: pick('SecretAccessKey'),
      sessionToken: pick('SessionToken'),
    };
    expect(session.accessKeyId).toMatch(/^ASIA/);
    const who = await sts(CALLER, session);
    expect(who.body).toContain(`<Arn>arn:aws:sts::${aws.accountId}:assumed-role/conduit-deployer/delegate-1</Arn>`);
    const withoutToken = await sts(CALLER, { ...session, sessionToken: undefined });
    expect(withoutToken.body).toContain('<Code>InvalidClientTokenId</Code>');
    aws.expireSessions();
    const expired = await sts(CALLER, session);
    expect(expired.status).toBe(403);
    expect(expired.body).toContain('<Code>ExpiredToken</Code>');
  });

  it('AssumeRole of an unknown role is AccessDenied', async () => {
    const response = await sts(
      `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(`arn:aws:iam::${aws.accountId}:role/nope`)}&RoleSessionName=x`,
      aws.credentials,
    );
    expect(response.status).toBe(403);
    expect(response.body).toContain('<Code>AccessDenied</Code>');
  });

  it('GetSecretValue returns the secret string, and the JSON-protocol errors', async () => {
    const ok = await getSecret('conduit/db', aws.credentials);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      Name: 'conduit/db',
      SecretString: '{"password":"hunter2"}',
      VersionStages: ['AWSCURRENT'],
    });
    expect(String(ok.body['ARN'])).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:conduit\/db-.{6}$/);
    expect(await getSecret('missing', aws.credentials)).toEqual({
      status: 400,
      body: { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." },
    });
    expect((await getSecret('restricted', aws.credentials)).body['__type']).toBe('AccessDeniedException');
    const badSignature = await getSecret('conduit/db', { ...aws.credentials, secretAccessKey: 'wrong' });
    expect(badSignature).toMatchObject({ status: 400, body: { __type: 'InvalidSignatureException' } });
    const unknown = await getSecret('conduit/db', { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' });
    expect(unknown).toMatchObject({ status: 400, body: { __type: 'UnrecognizedClientException' } });
  });

  it('refuses an STS request signed for another service', async () => {
    const body = CALLER;
    const signed = signSigV4(
      { method: 'POST', url: `${aws.url}/`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body },
      aws.credentials,
      aws.region,
      'iam',
      new Date(),
    );
    const response = await fetch(`${aws.url}/`, { method: 'POST', headers: signed.headers, body });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});
