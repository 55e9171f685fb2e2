import { expectIssue, expectValid } from './spec-testing';

describe('Datadog', () => {
  it('accepts the API and application keys', () => {
    expectValid('Datadog', { url: 'https://app.datadoghq.com/api/', apiKeyRef: 'dd_api', applicationKeyRef: 'dd_app' });
  });

  it('refuses a missing application key', () => {
    expectIssue(
      'Datadog',
      { url: 'https://app.datadoghq.com/api/', apiKeyRef: 'dd_api' },
      'spec.applicationKeyRef',
      'is required',
    );
  });
});
