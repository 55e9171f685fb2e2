import { collectSecretRefs } from '../catalog';
import { expectIssue, expectValid } from './spec-testing';

const http = {
  url: 'https://git.example.com/team/app.git',
  connectionType: 'Repo',
  type: 'Http',
  spec: { username: 'ci', passwordRef: 'account.git_password' },
};

describe('Git', () => {
  it('accepts HTTP with a plain or referenced user name, and SSH', () => {
    expectValid('Git', http);
    expectValid('Git', { ...http, spec: { usernameRef: 'org.git_user', passwordRef: 'git_password' } });
    expectValid('Git', {
      url: 'git@git.example.com:team',
      connectionType: 'Account',
      validationRepo: 'app',
      branchName: 'main',
      type: 'Ssh',
      spec: { sshKeyRef: 'deploy_key' },
      delegateSelectors: ['onprem'],
    });
  });

  it('finds the password reference at its path', () => {
    expect(collectSecretRefs('Git', http)).toEqual([{ path: 'spec.spec.passwordRef', ref: 'account.git_password' }]);
  });

  it('refuses both or neither of username and usernameRef', () => {
    expectIssue(
      'Git',
      { ...http, spec: { username: 'ci', usernameRef: 'u', passwordRef: 'p' } },
      'spec.spec.usernameRef',
      'not both',
    );
    expectIssue('Git', { ...http, spec: { passwordRef: 'p' } }, 'spec.spec.username', 'is required');
  });

  it('refuses an unknown credential type, a missing connection type and a non-Git URL', () => {
    expectIssue('Git', { ...http, type: 'Token' }, 'spec.type', 'one of Http, Ssh');
    const { connectionType: _omitted, ...withoutConnectionType } = http;
    expectIssue('Git', withoutConnectionType, 'spec.connectionType', 'is required');
    expectIssue('Git', { ...http, url: 'ftp://git.example.com/app' }, 'spec.url', 'Git URL');
  });
});
