import { expectIssue, expectValid } from './spec-testing';

describe('Artifactory', () => {
  it('accepts anonymous and username/password access', () => {
    expectValid('Artifactory', {
      artifactoryServerUrl: 'https://acme.jfrog.io/artifactory/',
      auth: { type: 'Anonymous' },
    });
    expectValid('Artifactory', {
      artifactoryServerUrl: 'https://acme.jfrog.io/artifactory/',
      auth: { type: 'UsernamePassword', spec: { username: 'ci', passwordRef: 'org.jfrog_token' } },
      delegateSelectors: ['build'],
    });
  });

  it('refuses a missing auth block and a Harness-style secretRef: prefix', () => {
    expectIssue('Artifactory', { artifactoryServerUrl: 'https://acme.jfrog.io/' }, 'spec.auth', 'is required');
    expectIssue(
      'Artifactory',
      {
        artifactoryServerUrl: 'https://acme.jfrog.io/',
        auth: { type: 'UsernamePassword', spec: { username: 'ci', passwordRef: 'secretRef:jfrog' } },
      },
      'spec.auth.spec.passwordRef',
      'secretRef:',
    );
  });
});
