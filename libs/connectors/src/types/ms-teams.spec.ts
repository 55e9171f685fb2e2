import { expectIssue, expectValid } from './spec-testing';

describe('MsTeams', () => {
  it('accepts a webhook or Graph client credentials', () => {
    expectValid('MsTeams', { auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'teams_webhook' } } });
    expectValid('MsTeams', {
      auth: { type: 'OAuthClientCredentials', spec: { tenantId: 't', clientId: 'c', clientSecretRef: 'teams_secret' } },
    });
  });

  it('refuses client credentials without the secret', () => {
    expectIssue(
      'MsTeams',
      { auth: { type: 'OAuthClientCredentials', spec: { tenantId: 't', clientId: 'c' } } },
      'spec.auth.spec.clientSecretRef',
      'is required',
    );
  });
});
