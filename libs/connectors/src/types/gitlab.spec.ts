import { expectIssue, expectValid } from './spec-testing';

const gitlab = {
  url: 'https://gitlab.com/acme',
  type: 'Account',
  authentication: {
    type: 'Http',
    spec: { type: 'UsernameToken', spec: { username: 'bot', tokenRef: 'gitlab_token' } },
  },
};

describe('Gitlab', () => {
  it('accepts a token and OAuth with a refresh token', () => {
    expectValid('Gitlab', gitlab);
    expectValid('Gitlab', {
      ...gitlab,
      authentication: {
        type: 'Http',
        spec: { type: 'OAuth', spec: { tokenRef: 'gl_oauth', refreshTokenRef: 'gl_refresh' } },
      },
      apiAccess: { type: 'OAuth', spec: { tokenRef: 'gl_oauth', refreshTokenRef: 'gl_refresh' } },
    });
  });

  it('refuses GitHub-only credential kinds', () => {
    expectIssue(
      'Gitlab',
      { ...gitlab, authentication: { type: 'Http', spec: { type: 'GithubApp', spec: {} } } },
      'spec.authentication.spec.type',
      'must be one of',
    );
  });
});
