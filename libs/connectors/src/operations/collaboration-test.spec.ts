import { describeWebhook } from './collaboration-test';
import { newRelicGraphqlUrl } from './observability-test';

describe('describeWebhook', () => {
  it('keeps the host and first path segment, dropping the parts that make the URL a secret', () => {
    expect(describeWebhook('https://hooks.slack.com/services/T000/B000/XXXXSECRET')).toBe(
      'https://hooks.slack.com/services/…',
    );
    expect(
      describeWebhook('https://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SECRET'),
    ).toBe('https://prod-01.westus.logic.azure.com/workflows/…');
    expect(describeWebhook('not a url')).toBe('(invalid URL)');
  });
});

describe('newRelicGraphqlUrl', () => {
  it('derives the NerdGraph endpoint from the region of url, unless apiUrl overrides it', () => {
    expect(newRelicGraphqlUrl({ url: 'https://insights-api.newrelic.com/' })).toBe('https://api.newrelic.com/graphql');
    expect(newRelicGraphqlUrl({ url: 'https://insights-api.eu.newrelic.com/' })).toBe(
      'https://api.eu.newrelic.com/graphql',
    );
    expect(
      newRelicGraphqlUrl({ url: 'https://insights-api.newrelic.com/', apiUrl: 'http://127.0.0.1:1234/graphql' }),
    ).toBe('http://127.0.0.1:1234/graphql');
  });
});
