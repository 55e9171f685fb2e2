import { pinnedHostKeys, usesSshKey, withPinnedHostKey } from './host-keys';

const A = `SHA256:${'A'.repeat(43)}`;
const B = `SHA256:${'B'.repeat(43)}`;

describe('SSH host key pinning in a spec', () => {
  const git = { type: 'Ssh', url: 'ssh://git@h/x', spec: { sshKeyRef: 'key' } };

  it('finds SSH key blocks wherever the type nests them', () => {
    expect(usesSshKey(git)).toBe(true);
    expect(usesSshKey({ type: 'Http', spec: { username: 'u', passwordRef: 'p' } })).toBe(false);
    expect(pinnedHostKeys({ authentication: { spec: { sshKeyRef: 'k', knownHostFingerprints: [A] } } })).toEqual([A]);
  });

  it('pins a fingerprint once, in a copy', () => {
    const pinned = withPinnedHostKey(git, A);
    expect(pinned).toEqual({ ...git, spec: { sshKeyRef: 'key', knownHostFingerprints: [A] } });
    expect(git.spec).toEqual({ sshKeyRef: 'key' });
    expect(withPinnedHostKey(withPinnedHostKey(pinned, A), B)).toMatchObject({ spec: { knownHostFingerprints: [A, B] } });
  });

  it('refuses something that is not a fingerprint', () => {
    expect(() => withPinnedHostKey(git, 'SHA256:short')).toThrow('not an SSH host key fingerprint');
  });
});
