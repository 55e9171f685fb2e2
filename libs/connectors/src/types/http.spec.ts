import { collectSecretRefs } from '../catalog';
import { expectIssue, expectValid } from './spec-testing';

describe('Http', () => {
  it('accepts a plain GET and each kind of authentication', () => {
    expectValid('Http', { url: 'https://status.example.com/health' });
    const auths = [
      { type: 'Anonymous' },
      { type: 'UsernamePassword', spec: { username: 'u', passwordRef: 'p' } },
      { type: 'BearerToken', spec: { tokenRef: 'api_token' } },
      {
        type: 'OAuthClientCredentials',
        spec: {
          tokenUrl: 'https://id.example.com/token',
          clientId: 'conduit',
          clientSecretRef: 'oauth_secret',
          scope: 'read',
        },
      },
      {
        type: 'OAuthRefreshToken',
        spec: {
          tokenUrl: 'https://id.example.com/token',
          clientIdRef: 'oauth_client',
          refreshTokenRef: 'oauth_refresh',
        },
      },
      {
        type: 'ClientCertificate',
        spec: { clientCertRef: 'mtls_cert', clientKeyRef: 'mtls_key', caCertRef: 'mtls_ca' },
      },
    ];
    for (const auth of auths) {
      expectValid('Http', {
        url: 'https://api.example.com/v1/ping',
        method: 'POST',
        headers: [{ key: 'X-Api-Key', valueEncrypted: true, encryptedValueRef: 'account.api_key' }],
        body: '{"ping":true}',
        auth,
        expectedStatus: [200, 204],
        expectedBodyContains: 'pong',
      });
    }
  });

  it('lists header and credential references', () => {
    const spec = {
      url: 'https://api.example.com/',
      headers: [{ key: 'X-Api-Key', encryptedValueRef: 'api_key' }],
      auth: { type: 'ClientCertificate', spec: { clientCertRef: 'cert', clientKeyRef: 'key' } },
    };
    expect(collectSecretRefs('Http', spec)).toEqual([
      { path: 'spec.headers[0].encryptedValueRef', ref: 'api_key' },
      { path: 'spec.auth.spec.clientCertRef', ref: 'cert' },
      { path: 'spec.auth.spec.clientKeyRef', ref: 'key' },
    ]);
  });

  it('refuses a body on GET, an impossible status, a plain API key header and an unknown method', () => {
    expectIssue('Http', { url: 'https://api.example.com/', body: 'x' }, 'spec.body', 'GET');
    expectIssue('Http', { url: 'https://api.example.com/', expectedStatus: [700] }, 'spec.expectedStatus[0]');
    expectIssue(
      'Http',
      { url: 'https://api.example.com/', headers: [{ key: 'X-API-Key', value: 'k' }] },
      'spec.headers[0].value',
    );
    expectIssue('Http', { url: 'https://api.example.com/', method: 'TRACE' }, 'spec.method');
  });
});
