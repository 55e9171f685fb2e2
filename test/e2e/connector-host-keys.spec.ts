import { createConnection, createServer, Server, Socket } from 'node:net';
import { startSshd, type SshdPeer } from '../peers';
import { startStack, type Stack } from '../support/stack';

type Json = Record<string, unknown>;

/**
 * A loopback TCP forwarder whose upstream can be switched: the connector's address stays the same while the
 * server behind it (and so its host key) changes, as when a host is rebuilt or a connection is intercepted.
 */
async function startSwitchableForwarder(upstreamPort: number): Promise<{ port: number; switchTo(port: number): void; stop(): Promise<void> }> {
  let target = upstreamPort;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => (client.destroy(), upstream.destroy()));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    switchTo: (port) => (target = port),
    stop: () => new Promise((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))),
  };
}

/**
 * SSH host keys captured on first sight and pinned by an admin, end to end: control plane and delegate as
 * processes, the REAL OpenSSH sshd (test/peers/sshd.ts) running git-upload-pack, and a second REAL sshd with
 * another host key standing in for the same host after its key changed.
 */
describe('SSH host key first-seen capture and confirmation (REAL sshd peers, real delegate)', () => {
  let stack: Stack;
  let sshd: SshdPeer;
  let rebuilt: SshdPeer;
  let forwarder: Awaited<ReturnType<typeof startSwitchableForwarder>>;
  let api: Stack['api'];
  const path = (fp: string) => `/v1/connectors/git_ssh/host-keys/${encodeURIComponent(fp)}/confirm`;

  beforeAll(async () => {
    [sshd, rebuilt] = await Promise.all([startSshd(), startSshd()]);
    forwarder = await startSwitchableForwarder(sshd.port);
    stack = await startStack({ name: 'hostkeys' });
    api = stack.api;
  });
  afterAll(async () => {
    await stack?.stop();
    await forwarder?.stop();
    await Promise.all([sshd?.stop(), rebuilt?.stop()]);
  });

  it('fails an unpinned host at the connection stage, keeps the key it saw, and passes once an admin confirms it', async () => {
    expect(sshd.hostKeyFingerprint).not.toBe(rebuilt.hostKeyFingerprint);
    expect((await api('POST', '/v1/secrets', { identifier: 'deploy_key', name: 'deploy key', kind: 'ssh-key', value: { privateKey: sshd.privateKey } })).status).toBe(201);
    const url = `ssh://${sshd.username}@127.0.0.1:${forwarder.port}${sshd.git.path}`;
    const created = await api('POST', '/v1/connectors', { identifier: 'git_ssh', name: 'git over ssh', type: 'Git', spec: { type: 'Ssh', connectionType: 'Repo', url, spec: { sshKeyRef: 'deploy_key' } } });
    expect(created.status).toBe(201);

    const first = await api('POST', '/v1/connectors/git_ssh/test?wait=true');
    expect(first.body).toMatchObject({ status: 'FAILURE', stage: 'connection', errors: [{ code: 'HOST_KEY_NOT_PINNED' }] });
    expect(first.body['message']).toBe(`no host key is pinned for 127.0.0.1:${forwarder.port}; the server presented ${sshd.hostKeyFingerprint}`);
    const pending = (await api('GET', '/v1/connectors/git_ssh/host-keys')).body['items'] as Json[];
    expect(pending).toEqual([expect.objectContaining({ fingerprint: sshd.hostKeyFingerprint, host: `127.0.0.1:${forwarder.port}`, state: 'pending' })]);

    // A key nobody presented cannot be confirmed; a developer cannot confirm at all.
    expect((await api('POST', path(rebuilt.hostKeyFingerprint))).status).toBe(404);
    expect((await api('POST', path('SHA256:not-a-fingerprint'))).body).toMatchObject({ code: 'VALIDATION_FAILED' });
    const developer = await developerKey();
    const refused = await fetch(`http://127.0.0.1:${stack.port}${path(sshd.hostKeyFingerprint)}`, { method: 'POST', headers: { Authorization: `Bearer ${developer}` } });
    expect(refused.status).toBe(403);

    const confirmed = await api('POST', path(sshd.hostKeyFingerprint));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ version: 2, spec: { spec: { sshKeyRef: 'deploy_key', knownHostFingerprints: [sshd.hostKeyFingerprint] } } });
    expect(((await api('GET', '/v1/connectors/git_ssh/host-keys')).body['items'] as Json[])[0]).toMatchObject({ state: 'pinned' });
    const audit = (await api('GET', '/v1/audit-events?action=connector.host-key.confirm')).body['items'] as Json[];
    expect(audit).toEqual([expect.objectContaining({ resourceRef: 'git_ssh', changes: [expect.objectContaining({ path: 'spec.spec.knownHostFingerprints' })] })]);

    const second = await api('POST', '/v1/connectors/git_ssh/test?wait=true');
    expect(second.body).toMatchObject({ status: 'SUCCESS', errors: [] });
    expect((await api('GET', '/v1/connectors/git_ssh')).body).toMatchObject({ status: 'ACTIVE' });
  });

  it('refuses the host once its key changed, with the pinned-fingerprint message, and captures nothing to confirm', async () => {
    forwarder.switchTo(rebuilt.port);
    const changed = await api('POST', '/v1/connectors/git_ssh/test?wait=true');
    expect(changed.body).toMatchObject({ status: 'FAILURE', stage: 'connection', errors: [{ code: 'HOST_KEY_MISMATCH' }] });
    expect(changed.body['message']).toBe(`host key for 127.0.0.1:${forwarder.port} does not match the pinned fingerprint (presented ${rebuilt.hostKeyFingerprint})`);
    expect((await api('GET', '/v1/connectors/git_ssh')).body).toMatchObject({ status: 'FAILED' });
    // A changed key is not offered for one-click confirmation: re-pinning is a deliberate edit of the connector.
    expect(((await api('GET', '/v1/connectors/git_ssh/host-keys')).body['items'] as Json[]).map((k) => k['fingerprint'])).toEqual([sshd.hostKeyFingerprint]);
    expect((await api('POST', path(rebuilt.hostKeyFingerprint))).status).toBe(404);
  });

  it('captures and pins host keys the same way for a platform-mode connector, tested from the control plane', async () => {
    forwarder.switchTo(sshd.port);
    expect((await api('POST', '/v1/secrets', { identifier: 'platform_key', name: 'platform key', kind: 'ssh-key', allowPlatformUse: true, value: { privateKey: sshd.privateKey } })).status).toBe(201);
    const url = `ssh://${sshd.username}@127.0.0.1:${sshd.port}${sshd.git.path}`;
    const spec = { type: 'Ssh', connectionType: 'Repo', url, executeOnDelegate: false, spec: { sshKeyRef: 'platform_key' } };
    expect((await api('POST', '/v1/connectors', { identifier: 'git_platform', name: 'git from the platform', type: 'Git', spec })).body).toMatchObject({ connectivity: 'platform' });

    // sshd listens on loopback: refused from the control plane until an account admin allows private networks.
    const refused = await api('POST', '/v1/connectors/git_platform/test?wait=true');
    expect(refused.body).toMatchObject({ status: 'FAILURE', stage: 'connection', delegate: 'control plane', errors: [{ code: 'ADDRESS_NOT_ALLOWED' }] });
    expect((await api('PUT', '/v1/connectors/git_platform/network-access', { allowPrivateNetworks: true })).status).toBe(200);

    const unpinned = await api('POST', '/v1/connectors/git_platform/test?wait=true');
    expect(unpinned.body).toMatchObject({ status: 'FAILURE', delegate: 'control plane', errors: [{ code: 'HOST_KEY_NOT_PINNED' }] });
    expect(((await api('GET', '/v1/connectors/git_platform/host-keys')).body['items'] as Json[]).map((k) => [k['fingerprint'], k['state']])).toEqual([[sshd.hostKeyFingerprint, 'pending']]);
    expect((await api('POST', `/v1/connectors/git_platform/host-keys/${encodeURIComponent(sshd.hostKeyFingerprint)}/confirm`)).status).toBe(200);
    const passed = await api('POST', '/v1/connectors/git_platform/test?wait=true');
    expect(passed.body).toMatchObject({ status: 'SUCCESS', delegate: 'control plane' });
    expect(passed.body['message']).toContain('over SSH: 4 refs, HEAD → refs/heads/main');
  });

  async function developerKey(): Promise<string> {
    const principal = await api('POST', '/v1/principals', { name: 'dev', kind: 'user' });
    expect((await api('POST', '/v1/role-bindings', { principalId: principal.body['id'], role: 'developer' })).status).toBe(201);
    return (await api('POST', `/v1/principals/${principal.body['id'] as string}/api-keys`, { name: 'dev' })).body['apiKey'] as string;
  }
});
