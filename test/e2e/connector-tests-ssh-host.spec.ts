import type { SecretPayload } from '@conduit/crypto';
import { startSshd, type SshdPeer } from '../peers';
import { context, failure } from '../support/connector-check';

describe('SshHost connector test and exec (REAL peer: OpenSSH sshd)', () => {
  let sshd: SshdPeer;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(() => sshd?.stop());

  const spec = (hostKeyFingerprints = [sshd.hostKeyFingerprint]) => ({ host: '127.0.0.1', port: sshd.port, username: sshd.username, sshKeyRef: 'key', hostKeyFingerprints });
  const key = (privateKey: string): SecretPayload => ({ kind: 'ssh-key', privateKey });

  it('logs in with the key to the pinned host and runs a command', async () => {
    const { test, stages } = context('SshHost', spec(), { key: key(sshd.privateKey) });
    const outcome = await test();
    expect(outcome.message).toMatch(new RegExp(`^SSH host 127\\.0\\.0\\.1:${sshd.port} \\(host key ${sshd.hostKeyFingerprint.replace(/[+/]/g, '\\$&')}\\) accepted the key of user '${sshd.username}' in \\d+ ms and runs commands$`));
    expect(stages).toEqual([
      { stage: 'authentication', ok: true },
      { stage: 'connection', ok: true },
      { stage: 'operation', ok: true },
    ]);
  });

  it('exec returns stdout, stderr and the exit code of the command', async () => {
    const { action } = context('SshHost', spec(), { key: key(sshd.privateKey) });
    const result = await action('exec', { command: 'echo out; echo err >&2; exit 3' });
    expect(result.message).toBe(`command on 127.0.0.1:${sshd.port} ended with exit code 3`);
    expect(result.details).toMatchObject({ exitCode: 3, signal: null, stdout: 'out\n', stderr: 'err\n', truncated: false, hostKeyFingerprint: sshd.hostKeyFingerprint });
  });

  it('keeps at most 256 KiB of output per stream and says it cut the rest', async () => {
    const { action } = context('SshHost', spec(), { key: key(sshd.privateKey) });
    const result = await action('exec', { command: 'head -c 300000 /dev/zero | tr "\\0" a' });
    expect(result.details).toMatchObject({ exitCode: 0, truncated: true });
    expect((result.details?.['stdout'] as string).length).toBe(256 * 1024);
  });

  it('refuses a host whose key does not match the pin, before sending the login', async () => {
    const other = `SHA256:${'A'.repeat(43)}`;
    const error = await failure(context('SshHost', spec([other]), { key: key(sshd.privateKey) }).test());
    expect(error).toMatchObject({ code: 'HOST_KEY_MISMATCH', stage: 'connection' });
    expect(error.message).toBe(`host key for 127.0.0.1:${sshd.port} does not match the pinned fingerprint (presented ${sshd.hostKeyFingerprint})`);
  });

  it('reports a key the server does not authorize as AUTHENTICATION_FAILED, without key material', async () => {
    const error = await failure(context('SshHost', spec(), { key: key(sshd.wrongPrivateKey) }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(`authentication failed: SSH key for user '${sshd.username}' rejected by 127.0.0.1:${sshd.port}`);
    expect(`${error.message} ${error.hint ?? ''}`).not.toContain(sshd.wrongPrivateKey.split('\n')[1] as string);
  });
});
