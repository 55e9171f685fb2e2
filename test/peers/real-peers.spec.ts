// The real peers start on loopback, let the right credentials in and keep the wrong ones out.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'ssh2';
import { Agent, request } from 'undici';
import { GitHttpPeer, startGitHttp } from './git-http';
import { gitEnv, README_CONTENT } from './git-repo';
import { NginxMtlsPeer, startNginxMtls } from './nginx-mtls';
import { PrometheusPeer, startPrometheus } from './prometheus';
import { RegistryPeer, startRegistry } from './registry';
import { SshdPeer, startSshd } from './sshd';

function git(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { env: gitEnv(env) }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function sshExec(peer: SshdPeer, privateKey: string, command: string): Promise<{ output: string; hostKey: string }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKey = '';
    client
      .on('ready', () => {
        client.exec(command, (error, stream) => {
          if (error) return reject(error);
          let output = '';
          stream.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
          stream.stdin.end('0000'); // a flush packet ends git-upload-pack's negotiation
          stream.on('close', () => {
            client.end();
            resolve({ output, hostKey });
          });
        });
      })
      .on('error', reject)
      .connect({
        host: peer.host,
        port: peer.port,
        username: peer.username,
        privateKey,
        readyTimeout: 10_000,
        hostVerifier: (key: Buffer) => {
          hostKey = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
          return true;
        },
      });
  });
}

describe('sshd peer', () => {
  let peer: SshdPeer;
  beforeAll(async () => (peer = await startSshd()));
  afterAll(() => peer?.stop());

  it('lets the authorized key in and presents the host key it reports', async () => {
    const { output, hostKey } = await sshExec(peer, peer.privateKey, 'echo "hello $USER"');
    expect(output.trim()).toBe(`hello ${peer.username}`);
    expect(hostKey).toBe(peer.hostKeyFingerprint);
    expect(peer.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('refuses a key that is not authorized', async () => {
    await expect(sshExec(peer, peer.wrongPrivateKey, 'true')).rejects.toMatchObject({
      level: 'client-authentication',
    });
  });

  it('serves the Git repository through git-upload-pack', async () => {
    const { output } = await sshExec(peer, peer.privateKey, `git-upload-pack '${peer.git.path}'`);
    expect(output).toContain(`${peer.git.branches.main} refs/heads/main`);
    expect(output).toContain(`${peer.git.branches.dev} refs/heads/dev`);
    expect(output).toContain('refs/tags/v1.0');
  });

  it('answers git ls-remote over ssh with the key, not without it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'conduit-ssh-client-'));
    try {
      writeFileSync(path.join(dir, 'key'), peer.privateKey, { mode: 0o600 });
      writeFileSync(path.join(dir, 'wrong'), peer.wrongPrivateKey, { mode: 0o600 });
      writeFileSync(path.join(dir, 'known_hosts'), `${peer.knownHostsLine}\n`);
      const ssh = (key: string) =>
        `ssh -i ${path.join(dir, key)} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=${path.join(dir, 'known_hosts')} -o StrictHostKeyChecking=yes`;
      const ok = await git(['ls-remote', peer.git.url], { GIT_SSH_COMMAND: ssh('key') });
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toContain(`${peer.git.branches.main}\trefs/heads/main`);
      expect(ok.stdout).toContain(`${peer.git.tag.commit}\trefs/tags/v1.0^{}`);
      const refused = await git(['ls-remote', peer.git.url], { GIT_SSH_COMMAND: ssh('wrong') });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('Permission denied (publickey)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('git smart HTTP peer', () => {
  let peer: GitHttpPeer;
  beforeAll(async () => (peer = await startGitHttp()));
  afterAll(() => peer?.stop());
  beforeEach(() => peer.clearRequests());

  const withCredentials = (username: string, password: string) => {
    const url = new URL(peer.repoUrl);
    url.username = username;
    url.password = password;
    return url.toString();
  };

  it('lists refs for the right password and records what reached it', async () => {
    const result = await git(['ls-remote', withCredentials(peer.username, peer.password)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${peer.repo.branches.main}\trefs/heads/main`);
    expect(result.stdout).toContain(`${peer.repo.branches.dev}\trefs/heads/dev`);
    expect(result.stdout).toContain(`${peer.repo.tag.object}\trefs/tags/v1.0`);
    // git asks anonymously first, then again with the credentials; protocol v2 lists refs in a POST.
    expect(peer.requests.map((r) => [r.method, r.path, r.status, r.identity])).toEqual([
      ['GET', '/team/demo.git/info/refs', 401, undefined],
      ['GET', '/team/demo.git/info/refs', 200, peer.username],
      ['POST', '/team/demo.git/git-upload-pack', 200, peer.username],
    ]);
    expect(peer.requests[1]).toMatchObject({
      path: '/team/demo.git/info/refs',
      query: { service: 'git-upload-pack' },
      headers: { authorization: 'Basic <redacted>' },
    });
  });

  it('accepts the token as password with any username, and clones README.md', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'conduit-git-clone-'));
    try {
      const result = await git([
        'clone',
        '--quiet',
        '--branch',
        'main',
        withCredentials('x-access-token', peer.token),
        dir,
      ]);
      expect(result.stderr).toBe('');
      expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe(README_CONTENT);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a wrong password with 401 and a Basic challenge, and git fails', async () => {
    const response = await fetch(`${peer.repoUrl}/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`${peer.username}:wrong`).toString('base64')}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Basic realm="${peer.realm}"`);
    const result = await git(['ls-remote', withCredentials(peer.username, 'wrong')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Authentication failed');
    expect(peer.requests.every((r) => r.status === 401)).toBe(true);
  });
});

describe('docker registry peer', () => {
  let peer: RegistryPeer;
  beforeAll(async () => (peer = await startRegistry()));
  afterAll(() => peer?.stop());
  const auth = () => ({
    authorization: `Basic ${Buffer.from(`${peer.username}:${peer.password}`).toString('base64')}`,
  });

  it('challenges /v2/ with 401, then answers 200 with the credentials', async () => {
    const anonymous = await fetch(`${peer.url}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(`Basic realm="${peer.realm}"`);
    expect(await anonymous.json()).toMatchObject({ errors: [{ code: 'UNAUTHORIZED' }] });
    const wrong = await fetch(`${peer.url}/v2/`, {
      headers: { authorization: `Basic ${Buffer.from(`${peer.username}:nope`).toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${peer.url}/v2/`, { headers: auth() })).status).toBe(200);
  });

  it('lists the tags and reports the manifest digest', async () => {
    const tags = await fetch(`${peer.url}/v2/team/app/tags/list`, { headers: auth() });
    const body = (await tags.json()) as { name: string; tags: string[] };
    expect({ name: body.name, tags: [...body.tags].sort() }).toEqual({ name: 'team/app', tags: ['1.0', 'latest'] });
    const head = await fetch(`${peer.url}/v2/team/app/manifests/1.0`, {
      method: 'HEAD',
      headers: { ...auth(), accept: peer.manifestMediaType },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe(peer.manifestDigest);
    expect(peer.manifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('prometheus peer', () => {
  let open: PrometheusPeer;
  let guarded: PrometheusPeer;
  beforeAll(
    async () =>
      ([open, guarded] = await Promise.all([
        startPrometheus(),
        startPrometheus({ basicAuth: true, waitFor: 'ready' }),
      ])),
  );
  afterAll(() => Promise.all([open?.stop(), guarded?.stop()]));

  it('answers the query up with its own target', async () => {
    const response = await fetch(`${open.url}/api/v1/query?query=up`);
    const body = (await response.json()) as {
      status: string;
      data: { result: Array<{ metric: { job: string }; value: [number, string] }> };
    };
    expect(body.status).toBe('success');
    expect(body.data.result[0].metric.job).toBe('prometheus');
    expect(body.data.result[0].value[1]).toBe('1');
  });

  it('requires Basic auth when started with it', async () => {
    const { username, password } = guarded.basicAuth as { username: string; password: string };
    expect((await fetch(`${guarded.url}/api/v1/query?query=up`)).status).toBe(401);
    const wrong = { authorization: `Basic ${Buffer.from(`${username}:nope`).toString('base64')}` };
    expect((await fetch(`${guarded.url}/api/v1/query?query=up`, { headers: wrong })).status).toBe(401);
    const right = { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
    expect((await fetch(`${guarded.url}/api/v1/query?query=up`, { headers: right })).status).toBe(200);
  });
});

describe('nginx peer with client certificates', () => {
  let peer: NginxMtlsPeer;
  beforeAll(async () => (peer = await startNginxMtls()));
  afterAll(() => peer?.stop());

  async function get(urlPath: string, connect: { ca: string; cert?: string; key?: string }) {
    const dispatcher = new Agent({ connect: { ...connect, servername: 'localhost' } });
    try {
      const response = await request(`${peer.url}${urlPath}`, { dispatcher });
      return { status: response.statusCode, body: await response.body.text() };
    } finally {
      await dispatcher.close();
    }
  }

  it('refuses a request without a client certificate', async () => {
    const response = await get('/healthz', { ca: peer.caCert });
    expect(response.status).toBe(400);
    expect(response.body).toContain('No required SSL certificate was sent');
  });

  it('accepts the client certificate and echoes its subject', async () => {
    const ok = await get('/healthz', { ca: peer.caCert, cert: peer.clientCert, key: peer.clientKey });
    expect(ok).toEqual({ status: 200, body: 'ok\n' });
    const whoami = await get('/whoami', { ca: peer.caCert, cert: peer.clientCert, key: peer.clientKey });
    expect(JSON.parse(whoami.body)).toMatchObject({ subject: peer.clientSubject, verify: 'SUCCESS' });
  });

  it('refuses a client certificate from another CA', async () => {
    const response = await get('/healthz', {
      ca: peer.caCert,
      cert: peer.foreignClientCert,
      key: peer.foreignClientKey,
    });
    expect(response.status).toBe(400);
    expect(response.body).toContain('The SSL certificate error');
  });
});
