import { expectIssue, expectValid } from './spec-testing';

const bitbucket = {
  url: 'https://bitbucket.org/acme',
  type: 'Account',
  authentication: {
    type: 'Http',
    spec: { type: 'UsernameToken', spec: { username: 'bot', tokenRef: 'bitbucket_app_password' } },
  },
};

describe('Bitbucket', () => {
  it('accepts an app password with UsernameToken API access', () => {
    expectValid('Bitbucket', bitbucket);
    expectValid('Bitbucket', {
      ...bitbucket,
      apiAccess: { type: 'UsernameToken', spec: { usernameRef: 'bb_user', tokenRef: 'bitbucket_app_password' } },
    });
  });

  it("refuses Github's Token API access, which Bitbucket does not have", () => {
    expectIssue(
      'Bitbucket',
      { ...bitbucket, apiAccess: { type: 'Token', spec: { tokenRef: 't' } } },
      'spec.apiAccess.type',
    );
  });
});
