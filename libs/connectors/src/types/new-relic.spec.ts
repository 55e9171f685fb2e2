import { expectIssue, expectValid } from './spec-testing';

describe('NewRelic', () => {
  it('accepts an account and API key', () => {
    expectValid('NewRelic', {
      url: 'https://insights-api.newrelic.com/',
      newRelicAccountId: '1234567',
      apiKeyRef: 'nr_key',
    });
  });

  it('refuses a missing account id', () => {
    expectIssue(
      'NewRelic',
      { url: 'https://insights-api.newrelic.com/', apiKeyRef: 'nr_key' },
      'spec.newRelicAccountId',
      'is required',
    );
  });
});
