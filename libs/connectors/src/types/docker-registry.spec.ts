import { expectIssue, expectValid } from './spec-testing';

describe('DockerRegistry', () => {
  it('accepts anonymous and username/password access for each provider', () => {
    expectValid('DockerRegistry', {
      dockerRegistryUrl: 'https://index.docker.io/v2/',
      providerType: 'DockerHub',
      auth: { type: 'Anonymous' },
    });
    for (const providerType of ['Harbor', 'Quay', 'Other']) {
      expectValid('DockerRegistry', {
        dockerRegistryUrl: 'https://registry.example.com/',
        providerType,
        auth: { type: 'UsernamePassword', spec: { username: 'robot$ci', passwordRef: 'registry_token' } },
      });
    }
  });

  it('refuses an unknown provider, a URL without scheme and credentials without a password', () => {
    const base = { dockerRegistryUrl: 'https://ghcr.io/', providerType: 'Other', auth: { type: 'Anonymous' } };
    expectIssue(
      'DockerRegistry',
      { ...base, providerType: 'Ecr' },
      'spec.providerType',
      'DockerHub, Harbor, Quay, Other',
    );
    expectIssue('DockerRegistry', { ...base, dockerRegistryUrl: 'ghcr.io' }, 'spec.dockerRegistryUrl', 'http(s) URL');
    expectIssue(
      'DockerRegistry',
      { ...base, auth: { type: 'UsernamePassword', spec: { username: 'u' } } },
      'spec.auth.spec.passwordRef',
      'is required',
    );
  });
});
