import { expectIssue, expectValid } from './spec-testing';

describe('PagerDuty', () => {
  it('accepts a REST API token, an Events API routing key, or both', () => {
    expectValid('PagerDuty', { apiTokenRef: 'pd_token' });
    expectValid('PagerDuty', { routingKeyRef: 'pd_routing' });
    expectValid('PagerDuty', { apiTokenRef: 'pd_token', routingKeyRef: 'pd_routing' });
  });

  it('refuses a connector with neither', () => {
    expectIssue('PagerDuty', {}, 'spec.apiTokenRef', 'is required');
  });
});
