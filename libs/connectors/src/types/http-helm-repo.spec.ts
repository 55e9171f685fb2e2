import { expectIssue, expectValid } from './spec-testing';

describe('HttpHelmRepo', () => {
  it('accepts a chart repository with or without credentials', () => {
    expectValid('HttpHelmRepo', { helmRepoUrl: 'https://charts.example.com/stable/', auth: { type: 'Anonymous' } });
    expectValid('HttpHelmRepo', {
      helmRepoUrl: 'https://nexus.example.com/repository/helm/',
      auth: { type: 'UsernamePassword', spec: { username: 'reader', passwordRef: 'nexus3pwd' } },
    });
  });

  it('refuses an oci:// URL, which is not an HTTP repository', () => {
    expectIssue(
      'HttpHelmRepo',
      { helmRepoUrl: 'oci://registry.example.com/charts', auth: { type: 'Anonymous' } },
      'spec.helmRepoUrl',
    );
  });
});
