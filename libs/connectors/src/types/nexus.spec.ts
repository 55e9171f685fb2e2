import { expectIssue, expectValid } from './spec-testing';

describe('Nexus', () => {
  it('accepts both major versions', () => {
    for (const version of ['2.x', '3.x']) {
      expectValid('Nexus', {
        nexusServerUrl: 'https://nexus.example.com',
        version,
        auth: { type: 'UsernamePassword', spec: { username: 'admin', passwordRef: 'nexus_password' } },
      });
    }
  });

  it('refuses another version and a missing version', () => {
    const nexus = { nexusServerUrl: 'https://nexus.example.com', auth: { type: 'Anonymous' } };
    expectIssue('Nexus', { ...nexus, version: '3' }, 'spec.version', 'one of 2.x, 3.x');
    expectIssue('Nexus', nexus, 'spec.version', 'is required');
  });
});
