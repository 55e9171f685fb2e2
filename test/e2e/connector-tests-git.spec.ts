import type { SecretPayload } from '@conduit/crypto';
import { startGitHttp, startSshd, type GitHttpPeer, type SshdPeer } from '../peers';
import { context, failure, text } from '../support/connector-check';

describe('Git connector test over smart HTTP (REAL peer: git http-backend behind Basic auth)', () => {
  let git: GitHttpPeer;
  beforeAll(async () => {
    git = await startGitHttp();
  });
  afterAll(() => git?.stop());

  it('lists the refs of a Repo connector with user name and password, and reports HEAD', async () => {
    const { test, stages } = context('Git', { type: 'Http', connectionType: 'Repo', url: git.repoUrl, spec: { username: git.username, passwordRef: 'pw' } }, { pw: text(git.password) });
    const outcome = await test();
    // main, dev, tag v1.0 (its peeled ^{} line is not a ref of its own) and HEAD
    expect(outcome.details).toMatchObject({ transport: 'http', refs: 4, head: 'refs/heads/main', headCommit: git.repo.branches.main });
    expect(outcome.message).toMatch(/^Git repository http:\/\/127\.0\.0\.1:\d+\/team\/demo\.git over HTTP: 4 refs, HEAD → refs\/heads\/main \(\d+ ms\)$/);
    expect(stages.map((s) => `${s.stage}:${s.ok}`)).toEqual(['authentication:true', 'connection:true', 'operation:true']);
    expect(git.requests.at(-1)).toMatchObject({ path: '/team/demo.git/info/refs', query: { service: 'git-upload-pack' }, status: 200, identity: git.username });
  });

  it('tests an Account connector through its validation repository, with a token as the password', async () => {
    const { test } = context('Git', { type: 'Http', connectionType: 'Account', url: git.accountUrl, validationRepo: 'demo.git', spec: { username: 'anyone', passwordRef: 'tok' } }, { tok: text(git.token) });
    expect((await test()).details).toMatchObject({ refs: 4, head: 'refs/heads/main' });
  });

  it('reports a wrong password as an authentication failure naming the URL, once, without the password', async () => {
    git.clearRequests();
    const wrong = `wrong-${git.password}`;
    const { test } = context('Git', { type: 'Http', connectionType: 'Repo', url: git.repoUrl, spec: { username: git.username, passwordRef: 'pw' } }, { pw: text(wrong) });
    const error = await failure(test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(`authentication failed: the password of user '${git.username}' rejected by ${git.repoUrl}/info/refs (401)`);
    expect(JSON.stringify({ ...error, message: error.message, hint: error.hint })).not.toContain(wrong);
    expect(git.requests.map((r) => r.status)).toEqual([401]); // permanent: not retried
  });

  it('reports a missing validation repository as REPOSITORY_NOT_FOUND', async () => {
    const { test } = context('Git', { type: 'Http', connectionType: 'Account', url: git.accountUrl, validationRepo: 'nope.git', spec: { username: git.username, passwordRef: 'pw' } }, { pw: text(git.password) });
    expect(await failure(test())).toMatchObject({ code: 'REPOSITORY_NOT_FOUND', stage: 'operation' });
  });
});

describe('Git connector test over SSH (REAL peer: OpenSSH sshd running git-upload-pack)', () => {
  let sshd: SshdPeer;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(() => sshd?.stop());

  const sshSpec = (knownHostFingerprints?: string[], url = sshd.git.url) => ({
    type: 'Ssh',
    connectionType: 'Repo',
    url,
    spec: { sshKeyRef: 'key', ...(knownHostFingerprints ? { knownHostFingerprints } : {}) },
  });
  const key = (privateKey: string): SecretPayload => ({ kind: 'ssh-key', privateKey });

  it('lists refs with the authorized key when the host key matches the pinned fingerprint', async () => {
    const { test, stages } = context('Git', sshSpec([sshd.hostKeyFingerprint]), { key: key(sshd.privateKey) });
    const outcome = await test();
    expect(outcome.details).toMatchObject({ transport: 'ssh', refs: 4, head: 'refs/heads/main', headCommit: sshd.git.branches.main, hostKeyFingerprint: sshd.hostKeyFingerprint });
    expect(outcome.message).toContain(`over SSH: 4 refs, HEAD → refs/heads/main`);
    expect(stages.every((s) => s.ok)).toBe(true);
  });

  it('tests an Account connector over SSH through its validation repository', async () => {
    const account = `ssh://${sshd.username}@127.0.0.1:${sshd.port}${sshd.git.path.replace(/\/demo\.git$/, '')}`;
    const { test } = context('Git', { ...sshSpec([sshd.hostKeyFingerprint], account), connectionType: 'Account', validationRepo: 'demo.git' }, { key: key(sshd.privateKey) });
    expect((await test()).details).toMatchObject({ refs: 4 });
  });

  it('refuses a host whose key does not match the pinned fingerprint, before authenticating', async () => {
    const pinned = 'SHA256:' + 'A'.repeat(43);
    const { test } = context('Git', sshSpec([pinned]), { key: key(sshd.privateKey) });
    const error = await failure(test());
    expect(error).toMatchObject({ code: 'HOST_KEY_MISMATCH', stage: 'connection' });
    expect(error.message).toBe(`host key for 127.0.0.1:${sshd.port} does not match the pinned fingerprint (presented ${sshd.hostKeyFingerprint})`);
  });

  it('with no pinned fingerprint, fails and reports the presented one for an admin to pin', async () => {
    const { test } = context('Git', sshSpec(), { key: key(sshd.privateKey) });
    const error = await failure(test());
    expect(error).toMatchObject({ code: 'HOST_KEY_NOT_PINNED', stage: 'connection' });
    expect(error.message).toContain(sshd.hostKeyFingerprint);
    expect(error.hint).toContain('knownHostFingerprints');
  });

  it('reports an unauthorized key as an authentication failure naming user and host, without key material', async () => {
    const { test } = context('Git', sshSpec([sshd.hostKeyFingerprint]), { key: key(sshd.wrongPrivateKey) });
    const error = await failure(test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(`authentication failed: SSH key for user '${sshd.username}' rejected by 127.0.0.1:${sshd.port}`);
    const body = sshd.wrongPrivateKey.split('\n')[1] as string;
    expect(`${error.message} ${error.hint}`).not.toContain(body.slice(0, 20));
  });

  it('reports a repository path that does not exist as REPOSITORY_NOT_FOUND', async () => {
    const { test } = context('Git', sshSpec([sshd.hostKeyFingerprint], sshd.git.url.replace(/demo\.git$/, 'missing.git')), { key: key(sshd.privateKey) });
    expect(await failure(test())).toMatchObject({ code: 'REPOSITORY_NOT_FOUND', stage: 'operation' });
  });
});
