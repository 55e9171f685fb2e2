import { expectIssue, expectValid } from './spec-testing';

const serviceNowUrl = 'https://acme.service-now.com';

describe('ServiceNow', () => {
  it('accepts username/password, AD FS with a certificate, and a refresh token', () => {
    expectValid('ServiceNow', {
      serviceNowUrl,
      auth: { type: 'UsernamePassword', spec: { username: 'svc', passwordRef: 'sn_pw' } },
    });
    expectValid('ServiceNow', {
      serviceNowUrl,
      auth: {
        type: 'AdfsClientCredentialsWithCertificate',
        spec: {
          adfsUrl: 'https://adfs.acme.com',
          certificateRef: 'sn_cert',
          privateKeyRef: 'sn_key',
          clientIdRef: 'sn_client',
          resourceIdRef: 'sn_resource',
        },
      },
    });
    expectValid('ServiceNow', {
      serviceNowUrl,
      auth: {
        type: 'RefreshTokenGrantType',
        spec: {
          tokenUrl: 'https://acme.service-now.com/oauth_token.do',
          clientIdRef: 'sn_client',
          refreshTokenRef: 'sn_refresh',
        },
      },
    });
  });

  it('refuses a refresh-token grant without its token URL', () => {
    expectIssue(
      'ServiceNow',
      { serviceNowUrl, auth: { type: 'RefreshTokenGrantType', spec: { clientIdRef: 'c', refreshTokenRef: 'r' } } },
      'spec.auth.spec.tokenUrl',
      'is required',
    );
  });
});
