import { expectIssue, expectValid } from './spec-testing';

const jiraUrl = 'https://acme.atlassian.net/';

describe('Jira', () => {
  it('accepts the auth block, the older top-level credentials, and both together', () => {
    expectValid('Jira', { jiraUrl, auth: { type: 'PersonalAccessToken', spec: { patRef: 'jira_pat' } } });
    expectValid('Jira', { jiraUrl, username: 'ci@acme.com', passwordRef: 'jira_api_token' });
    expectValid('Jira', {
      jiraUrl,
      username: 'ci@acme.com',
      passwordRef: 'jira_api_token',
      auth: { type: 'UsernamePassword', spec: { username: 'ci@acme.com', passwordRef: 'jira_api_token' } },
    });
  });

  it('refuses a connector without any credentials', () => {
    expectIssue('Jira', { jiraUrl }, 'spec.auth', 'is required');
    expectIssue('Jira', { jiraUrl, username: 'ci@acme.com' }, 'spec.passwordRef', 'is required');
  });
});
