import { expectIssue, expectValid } from './spec-testing';

const fingerprint = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';
const host = {
  host: 'build-01.internal',
  username: 'deploy',
  sshKeyRef: 'deploy_key',
  hostKeyFingerprints: [fingerprint],
};

describe('SshHost', () => {
  it('accepts a host name or IP address with a pinned host key', () => {
    expectValid('SshHost', host);
    expectValid('SshHost', { ...host, host: '10.1.2.3', port: 2222, passphraseRef: 'key_pass' });
    expectValid('SshHost', { ...host, host: 'fd00::1' });
  });

  it('refuses a host without a pinned key, a malformed fingerprint, a URL as host and a bad port', () => {
    expectIssue('SshHost', { ...host, hostKeyFingerprints: [] }, 'spec.hostKeyFingerprints', 'pin at least one');
    expectIssue('SshHost', { ...host, hostKeyFingerprints: ['MD5:00:11'] }, 'spec.hostKeyFingerprints[0]', 'SHA256');
    expectIssue('SshHost', { ...host, host: 'ssh://build-01' }, 'spec.host', 'host name');
    expectIssue('SshHost', { ...host, port: 70000 }, 'spec.port');
  });
});
