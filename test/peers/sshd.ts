// A real OpenSSH server on 127.0.0.1 with its own host key and one authorized ed25519 client key,
// serving a seeded Git repository over SSH (git-upload-pack runs through the same sshd).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import * as path from 'node:path';
import { seedBareRepository, SeededRepository } from './git-repo';
import { makeTempDir, PeerProcess, requireBinary, run, waitUntil, withFreePort } from './support';

export interface SshdPeer {
  host: '127.0.0.1';
  port: number;
  /** The user the server lets in: the user running the tests. */
  username: string;
  /** OpenSSH-format ed25519 private key (`-----BEGIN OPENSSH PRIVATE KEY-----`) that is authorized. */
  privateKey: string;
  publicKey: string;
  /** A valid ed25519 key that is not authorized. */
  wrongPrivateKey: string;
  /** Host key fingerprint as `ssh-keygen -lf` prints it: `SHA256:…`. */
  hostKeyFingerprint: string;
  /** The host public key line (`ssh-ed25519 AAAA…`). */
  hostPublicKey: string;
  /** A known_hosts line for `[127.0.0.1]:port`. */
  knownHostsLine: string;
  git: SeededRepository & { url: string };
  stop(): Promise<void>;
}

async function keygen(dir: string, name: string, comment: string): Promise<{ privateKey: string; publicKey: string }> {
  const file = path.join(dir, name);
  await run(requireBinary('ssh-keygen', 'openssh-client'), [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    comment,
    '-f',
    file,
  ]);
  return { privateKey: readFileSync(file, 'utf8'), publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
}

function portAcceptsSsh(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('data', (chunk) => {
      socket.destroy();
      resolve(chunk.toString().startsWith('SSH-2.0-'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function startSshd(): Promise<SshdPeer> {
  const sshd = requireBinary('sshd', 'openssh-server');
  const temp = makeTempDir('sshd');
  let child: PeerProcess | undefined;
  try {
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true }); // privilege separation dir
    const hostKey = await keygen(temp.dir, 'ssh_host_ed25519_key', 'conduit-test-host');
    const client = await keygen(temp.dir, 'client_ed25519', 'conduit-test-client');
    const wrong = await keygen(temp.dir, 'wrong_ed25519', 'conduit-test-unauthorized');
    writeFileSync(path.join(temp.dir, 'authorized_keys'), `${client.publicKey}\n`, { mode: 0o600 });
    const fingerprintLine = await run(requireBinary('ssh-keygen', 'openssh-client'), [
      '-lf',
      path.join(temp.dir, 'ssh_host_ed25519_key.pub'),
    ]);
    const hostKeyFingerprint = fingerprintLine.stdout.split(' ')[1];
    const repo = await seedBareRepository(path.join(temp.dir, 'repos'));
    const username = userInfo().username;

    const port = await withFreePort(async (candidate) => {
      const config = [
        `ListenAddress 127.0.0.1`,
        `Port ${candidate}`,
        `HostKey ${path.join(temp.dir, 'ssh_host_ed25519_key')}`,
        `PidFile ${path.join(temp.dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(temp.dir, 'authorized_keys')}`,
        `AllowUsers ${username}`,
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'PrintMotd no',
        'LogLevel VERBOSE',
        '',
      ].join('\n');
      const configFile = path.join(temp.dir, 'sshd_config');
      writeFileSync(configFile, config);
      // -D: stay in the foreground (our child), -e: log to stderr (kept for error messages).
      const started = PeerProcess.spawn('sshd', sshd, ['-D', '-e', '-f', configFile]);
      try {
        await waitUntil(() => portAcceptsSsh(candidate), `sshd on 127.0.0.1:${candidate}`, { process: started });
      } catch (error) {
        await started.stop();
        throw error;
      }
      child = started;
      return candidate;
    });

    const running = child as PeerProcess;
    return {
      host: '127.0.0.1',
      port,
      username,
      privateKey: client.privateKey,
      publicKey: client.publicKey,
      wrongPrivateKey: wrong.privateKey,
      hostKeyFingerprint,
      hostPublicKey: hostKey.publicKey.split(' ').slice(0, 2).join(' '),
      knownHostsLine: `[127.0.0.1]:${port} ${hostKey.publicKey.split(' ').slice(0, 2).join(' ')}`,
      git: { ...repo, url: `ssh://${username}@127.0.0.1:${port}${repo.path}` },
      stop: async () => {
        await running.stop();
        temp.remove();
      },
    };
  } catch (error) {
    await child?.stop();
    temp.remove();
    throw error;
  }
}
