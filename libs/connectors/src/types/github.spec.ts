import { collectSecretRefs } from '../catalog';
import { expectIssue, expectValid, issuesOf } from './spec-testing';

const usernameToken = {
  url: 'https://github.com/acme',
  type: 'Account',
  validationRepo: 'platform',
  authentication: {
    type: 'Http',
    spec: { type: 'UsernameToken', spec: { username: 'ci-bot', tokenRef: 'account.github_pat' } },
  },
  apiAccess: { type: 'Token', spec: { tokenRef: 'account.github_pat' } },
  executeOnDelegate: false,
};

describe('Github', () => {
  it('accepts a token, a GitHub App and SSH', () => {
    expectValid('Github', usernameToken);
    expectValid('Github', {
      url: 'https://github.com/acme/app',
      type: 'Repo',
      authentication: {
        type: 'Http',
        spec: {
          type: 'GithubApp',
          spec: { installationId: '42', applicationIdRef: 'gh_app_id', privateKeyRef: 'gh_app_key' },
        },
      },
      apiAccess: { type: 'GithubApp', spec: { installationId: '42', applicationId: '7', privateKeyRef: 'gh_app_key' } },
    });
    expectValid('Github', {
      url: 'git@github.com:acme',
      type: 'Account',
      authentication: { type: 'Ssh', spec: { sshKeyRef: 'org.github_ssh' } },
      delegateSelectors: ['linux-amd64'],
    });
  });

  it('lists every secret reference with its full path', () => {
    expect(collectSecretRefs('Github', usernameToken)).toEqual([
      { path: 'spec.authentication.spec.spec.tokenRef', ref: 'account.github_pat' },
      { path: 'spec.apiAccess.spec.tokenRef', ref: 'account.github_pat' },
    ]);
  });

  it('requires the connection type Account|Repo', () => {
    const { type: _omitted, ...withoutType } = usernameToken;
    expectIssue('Github', withoutType, 'spec.type', 'is required: one of Account, Repo');
    expectIssue('Github', { ...usernameToken, type: 'Project' }, 'spec.type', 'one of Account, Repo');
  });

  it('refuses an inline token and names the field without repeating the value', () => {
    const spec = {
      ...usernameToken,
      authentication: {
        type: 'Http',
        spec: { type: 'UsernameToken', spec: { username: 'ci', tokenRef: 'ghp_s3cr3t value' } },
      },
    };
    const issues = issuesOf('Github', spec);
    expect(issues).toEqual([{ path: 'spec.authentication.spec.spec.tokenRef', message: expect.any(String) }]);
    expect(JSON.stringify(issues)).not.toContain('ghp_s3cr3t');
  });

  it('requires both GitHub App ids', () => {
    const spec = {
      ...usernameToken,
      apiAccess: { type: 'GithubApp', spec: { installationId: '42', privateKeyRef: 'gh_app_key' } },
    };
    expectIssue('Github', spec, 'spec.apiAccess.spec.applicationId', 'is required');
  });
});
