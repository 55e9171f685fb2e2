// Datadog, Splunk, New Relic, GCP and Azure AD stand-ins: the happy path and the documented errors.
import { createPublicKey } from 'node:crypto';
import { AzureStandIn, startAzure } from './azure';
import { DatadogStandIn, startDatadog } from './datadog';
import { CLOUD_PLATFORM_SCOPE, GcpStandIn, JWT_BEARER_GRANT, startGcp } from './gcp';
import { signRs256, verifyRs256 } from './jwt';
import { NewRelicStandIn, startNewRelic } from './newrelic';
import { SplunkStandIn, startSplunk } from './splunk';

describe('Datadog stand-in', () => {
  let datadog: DatadogStandIn;
  beforeAll(async () => (datadog = await startDatadog()));
  afterAll(() => datadog?.stop());

  it('validates the API key: {valid:true} or 403 {"errors":["Forbidden"]}', async () => {
    const ok = await fetch(`${datadog.url}/api/v1/validate`, { headers: { 'DD-API-KEY': datadog.apiKey } });
    expect([ok.status, await ok.json()]).toEqual([200, { valid: true }]);
    const refused = await fetch(`${datadog.url}/api/v1/validate`, { headers: { 'DD-API-KEY': 'wrong' } });
    expect([refused.status, await refused.json()]).toEqual([403, { errors: ['Forbidden'] }]);
    expect(datadog.requests.map((r) => r.headers['dd-api-key'])).toEqual(['<redacted>', '<redacted>']);
  });
});

describe('Splunk stand-in', () => {
  let splunk: SplunkStandIn;
  beforeAll(async () => (splunk = await startSplunk()));
  afterAll(() => splunk?.stop());

  it('server/info with Basic auth or a Splunk token; 401 "call not properly authenticated"', async () => {
    const info = `${splunk.url}/services/server/info?output_mode=json`;
    const basic = { authorization: `Basic ${Buffer.from(`${splunk.username}:${splunk.password}`).toString('base64')}` };
    const ok = await fetch(info, { headers: basic });
    expect(((await ok.json()) as { entry: Array<{ content: { version: string } }> }).entry[0].content.version).toBe(
      '9.1.2',
    );
    expect((await fetch(info, { headers: { authorization: `Splunk ${splunk.token}` } })).status).toBe(200);
    const refused = await fetch(info, { headers: { authorization: 'Splunk wrong' } });
    expect([refused.status, await refused.json()]).toEqual([
      401,
      { messages: [{ type: 'WARN', text: 'call not properly authenticated' }] },
    ]);
  });

  it('HEC accepts events with its token and answers Splunk codes otherwise', async () => {
    const send = (authorization?: string) =>
      fetch(`${splunk.url}/services/collector/event`, {
        method: 'POST',
        headers: authorization ? { authorization } : {},
        body: JSON.stringify({ event: 'deployed', sourcetype: 'conduit' }),
      });
    expect(await (await send(`Splunk ${splunk.hecToken}`)).json()).toEqual({ text: 'Success', code: 0 });
    const invalid = await send('Splunk 00000000-0000-0000-0000-000000000000');
    expect([invalid.status, await invalid.json()]).toEqual([403, { text: 'Invalid token', code: 4 }]);
    const missing = await send();
    expect([missing.status, await missing.json()]).toEqual([401, { text: 'Token is required', code: 2 }]);
    expect(splunk.events).toEqual([{ event: 'deployed', sourcetype: 'conduit' }]);
  });
});

describe('New Relic NerdGraph stand-in', () => {
  let newrelic: NewRelicStandIn;
  beforeAll(async () => (newrelic = await startNewRelic()));
  afterAll(() => newrelic?.stop());

  it('answers the actor.user query with the API key, 401 BAD_API_KEY without it', async () => {
    const query = (key: string) =>
      fetch(`${newrelic.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'API-Key': key },
        body: JSON.stringify({ query: '{ actor { user { name email } } }' }),
      });
    const ok = await query(newrelic.apiKey);
    expect(await ok.json()).toEqual({
      data: { actor: { user: { name: newrelic.user.name, email: newrelic.user.email } } },
    });
    const refused = await query('NRAK-WRONG');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({
      errors: [{ message: 'Bad API Key or no API Key provided', extensions: { error_code: 'BAD_API_KEY' } }],
    });
    expect(newrelic.requests[0].headers['api-key']).toBe('<redacted>');
  });
});

describe('GCP stand-in', () => {
  let gcp: GcpStandIn;
  beforeAll(async () => (gcp = await startGcp({ secrets: { 'db-password': ['old', 's3cr3t'] } })));
  afterAll(() => gcp?.stop());

  const assertion = (claims: Record<string, unknown> = {}, key = gcp.serviceAccountKey.private_key) => {
    const now = Math.floor(Date.now() / 1000);
    return signRs256(
      {
        iss: gcp.serviceAccountKey.client_email,
        scope: CLOUD_PLATFORM_SCOPE,
        aud: gcp.serviceAccountKey.token_uri,
        iat: now,
        exp: now + 3600,
        ...claims,
      },
      key,
      { kid: gcp.serviceAccountKey.private_key_id },
    );
  };
  const exchange = async (jwt: string) => {
    const response = await fetch(gcp.tokenUri, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: jwt }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('exchanges a service-account JWT for an access token and reads a secret version', async () => {
    const token = await exchange(assertion());
    expect(token).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 3599 } });
    const access = (version: string) =>
      fetch(`${gcp.url}/v1/projects/${gcp.projectId}/secrets/db-password/versions/${version}:access`, {
        headers: { authorization: `Bearer ${token.body['access_token']}` },
      });
    const latest = (await (await access('latest')).json()) as {
      name: string;
      payload: { data: string; dataCrc32c: string };
    };
    expect(latest.name).toBe(`projects/${gcp.projectNumber}/secrets/db-password/versions/2`);
    expect(Buffer.from(latest.payload.data, 'base64').toString()).toBe('s3cr3t');
    expect(latest.payload.dataCrc32c).toMatch(/^\d+$/);
    expect(Buffer.from(((await (await access('1')).json()) as typeof latest).payload.data, 'base64').toString()).toBe(
      'old',
    );
    const missing = await access('9');
    expect(missing.status).toBe(404);
    expect(gcp.requests.find((r) => r.path === '/token')?.body).toMatchObject({ assertion: '<redacted>' });
  });

  it('refuses a JWT signed by another key, a stale one, and an unknown token', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(await exchange(assertion({}, other as unknown as string))).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    });
    const now = Math.floor(Date.now() / 1000);
    expect((await exchange(assertion({ iat: now - 7200, exp: now - 3600 }))).body['error']).toBe('invalid_grant');
    const denied = await fetch(`${gcp.url}/v1/projects/${gcp.projectId}/secrets/db-password/versions/latest:access`, {
      headers: { authorization: 'Bearer ya29.wrong' },
    });
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
  });
});

describe('Azure AD stand-in', () => {
  let azure: AzureStandIn;
  beforeAll(async () => (azure = await startAzure()));
  afterAll(() => azure?.stop());

  const token = async (fields: Record<string, string>, tenant = azure.tenantId) => {
    const response = await fetch(`${azure.url}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: azure.clientId,
        client_secret: azure.clientSecret,
        scope: 'https://management.azure.com/.default',
        ...fields,
      }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('issues a client-credentials token whose claims name the tenant and the app', async () => {
    const issued = await token({});
    expect(issued).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 3599 } });
    const checked = verifyRs256(String(issued.body['access_token']), createPublicKey(azure.tokenSigningKey));
    expect(checked).toMatchObject({
      ok: true,
      claims: { tid: azure.tenantId, appid: azure.clientId, aud: 'https://management.azure.com' },
    });
    expect(azure.requests[0].body).toMatchObject({ client_secret: '<redacted>', client_id: azure.clientId });
  });

  it('answers AADSTS errors for a wrong secret, an unknown app and an unknown tenant', async () => {
    const wrongSecret = await token({ client_secret: 'wrong' });
    expect(wrongSecret).toMatchObject({ status: 401, body: { error: 'invalid_client', error_codes: [7000215] } });
    expect(String(wrongSecret.body['error_description'])).toMatch(/^AADSTS7000215: Invalid client secret provided/);
    expect(await token({ client_id: '00000000-0000-0000-0000-000000000000' })).toMatchObject({
      status: 400,
      body: { error: 'unauthorized_client', error_codes: [700016] },
    });
    expect(await token({}, 'no-such-tenant')).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_codes: [90002] },
    });
  });
});
