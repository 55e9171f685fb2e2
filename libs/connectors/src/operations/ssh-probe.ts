import { createHash } from 'node:crypto';
import { Client, ClientChannel } from 'ssh2';
import { ConnectorCheckError, OperationContext } from './context';
import { advertisementComplete } from './git-protocol';
import { resolvePublicAddress } from './network-policy';

export interface SshTarget {
  host: string;
  port: number;
  username: string;
}

export interface SshKey {
  privateKey: string;
  passphrase?: string;
}

/** `SHA256:<base64 without padding>` of a host key blob: what `ssh-keygen -lf` and `ssh -v` print. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Fingerprints compare without trailing padding, which some tools print and others do not. */
function sameFingerprint(a: string, b: string): boolean {
  return a.replace(/=+$/, '') === b.replace(/=+$/, '');
}

export const describeSshTarget = (target: SshTarget) => `${target.host}:${target.port}`;

const MAX_ADVERTISEMENT = 1024 * 1024;

/**
 * Connects with key authentication, accepting the server only if its host key matches one of the pinned
 * fingerprints (no trust on first use: an unpinned host fails, reporting what it presented). The caller
 * ends the client; an abort of the context ends it too.
 */
export async function sshConnect(ctx: OperationContext, target: SshTarget, key: SshKey, pinned: readonly string[]): Promise<{ client: Client; hostKeyFingerprint: string; hostKey: Buffer; release(): void }> {
  const where = describeSshTarget(target);
  // ssh2 takes no lookup function: resolve and check first, then connect to exactly that address.
  const host = ctx.publicAddressesOnly ? await resolvePublicAddress(target.host) : target.host;
  const client = new Client();
  let presented: string | undefined;
  let hostKey: Buffer = Buffer.alloc(0);
  const abort = () => client.end();
  ctx.signal.addEventListener('abort', abort, { once: true });
  const release = () => {
    ctx.signal.removeEventListener('abort', abort);
    client.end();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.on('error', (error: Error & { level?: string; code?: string }) => reject(classifySshError(error, target, presented, pinned)));
      client.once('close', () => reject(new ConnectorCheckError('CONNECTION_FAILED', 'connection', `${where} closed the SSH connection during the handshake`)));
      try {
        client.connect({
          host,
          port: target.port,
          username: target.username,
          privateKey: key.privateKey,
          ...(key.passphrase !== undefined ? { passphrase: key.passphrase } : {}),
          readyTimeout: 15_000,
          // Only the key: no agent, no password, no keyboard-interactive prompts on a delegate.
          authHandler: ['publickey'],
          hostVerifier: (blob: Buffer) => {
            presented = sshFingerprint(blob);
            hostKey = blob;
            return pinned.some((fingerprint) => sameFingerprint(fingerprint, presented as string));
          },
        });
      } catch (error) {
        // ssh2 parses the key synchronously; its messages name the problem, never the key material.
        reject(new ConnectorCheckError('SSH_KEY_INVALID', 'authentication', `the SSH private key could not be used: ${(error as Error).message}`, 'check the ssh-key secret and its passphrase'));
      }
    });
  } catch (error) {
    release();
    throw error;
  }
  return { client, hostKeyFingerprint: presented as string, hostKey, release };
}

/**
 * Runs `git-upload-pack '<path>'` over a pinned, key-authenticated connection and returns its ref
 * advertisement. Nothing is fetched: a flush ends the session.
 */
export async function sshUploadPackAdvertisement(
  ctx: OperationContext,
  target: SshTarget,
  key: SshKey,
  pinned: readonly string[],
  repositoryPath: string,
): Promise<{ advertisement: Buffer; hostKeyFingerprint: string; latencyMs: number }> {
  const started = performance.now();
  const { client, hostKeyFingerprint, release } = await sshConnect(ctx, target, key, pinned);
  try {
    const advertisement = await exec(client, `git-upload-pack '${repositoryPath.replace(/'/g, `'\\''`)}'`, describeSshTarget(target), repositoryPath);
    return { advertisement, hostKeyFingerprint, latencyMs: Math.round(performance.now() - started) };
  } finally {
    release();
  }
}

/**
 * The `known_hosts` line of a server whose host key matches a pinned fingerprint (and which accepts the key),
 * so that OpenSSH — which pins keys, not fingerprints — can be held to the same pin with StrictHostKeyChecking.
 */
export async function pinnedKnownHostsLine(ctx: OperationContext, target: SshTarget, key: SshKey, pinned: readonly string[]): Promise<string> {
  const { hostKey, release } = await sshConnect(ctx, target, key, pinned);
  release();
  // A host key blob starts with its algorithm name as an SSH string (uint32 length, then the name).
  const algorithm = hostKey.subarray(4, 4 + hostKey.readUInt32BE(0)).toString('ascii');
  const host = target.port === 22 ? target.host : `[${target.host}]:${target.port}`;
  return `${host} ${algorithm} ${hostKey.toString('base64')}`;
}

function classifySshError(error: Error & { level?: string; code?: string }, target: SshTarget, presented: string | undefined, pinned: readonly string[]): ConnectorCheckError {
  const where = describeSshTarget(target);
  if (presented !== undefined && !pinned.some((fingerprint) => sameFingerprint(fingerprint, presented))) {
    const hostKey = { hostKey: { host: where, fingerprint: presented } };
    if (pinned.length === 0) {
      return new ConnectorCheckError(
        'HOST_KEY_NOT_PINNED',
        'connection',
        `no host key is pinned for ${where}; the server presented ${presented}`,
        `verify ${presented} with the server's administrator (ssh-keygen -lf on its host key), then confirm it (POST …/host-keys/${presented}/confirm) or add it to the connector's knownHostFingerprints`,
        hostKey,
      );
    }
    return new ConnectorCheckError(
      'HOST_KEY_MISMATCH',
      'connection',
      `host key for ${where} does not match the pinned fingerprint (presented ${presented})`,
      'the server key changed or something is intercepting the connection: confirm with the server administrator before re-pinning',
      hostKey,
    );
  }
  if (error.level === 'client-authentication') {
    return new ConnectorCheckError('AUTHENTICATION_FAILED', 'authentication', `authentication failed: SSH key for user '${target.username}' rejected by ${where}`, "add the key's public half to the account, or check the user name in the URL");
  }
  if (error.code === 'ECONNREFUSED') return new ConnectorCheckError('CONNECTION_REFUSED', 'connection', `connection refused by ${where}`, 'is the SSH service running, and is this delegate allowed to reach it?');
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return new ConnectorCheckError('HOST_NOT_FOUND', 'connection', `host ${target.host} not found (DNS)`, 'check the URL, or the DNS this delegate uses');
  if (error.level === 'client-timeout') return new ConnectorCheckError('CONNECTION_TIMEOUT', 'connection', `SSH handshake with ${where} timed out`);
  return new ConnectorCheckError('CONNECTION_FAILED', 'connection', `SSH connection to ${where} failed (${error.code ?? error.message})`);
}

function exec(client: Client, command: string, where: string, repositoryPath: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error: Error | undefined, channel: ClientChannel) => {
      if (error) return reject(new ConnectorCheckError('EXEC_FAILED', 'operation', `${where} refused to run git-upload-pack (${error.message})`));
      let out = Buffer.alloc(0);
      let err = '';
      let done = false;
      const finish = () => {
        done = true;
        channel.end('0000'); // a flush instead of wants: upload-pack ends without sending a pack
        resolve(out);
      };
      channel.on('data', (chunk: Buffer) => {
        if (done) return;
        out = Buffer.concat([out, chunk]);
        if (advertisementComplete(out) || out.length > MAX_ADVERTISEMENT) finish();
      });
      client.once('close', () => done || reject(new ConnectorCheckError('CONNECTION_FAILED', 'connection', `${where} closed the SSH connection before the ref advertisement`)));
      channel.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      channel.on('close', (code: number | null) => {
        if (done) return;
        const reason = err.trim().split('\n')[0] ?? '';
        if (/not (?:appear to be )?a git repository|not found|does not exist|No such file/i.test(err)) {
          reject(new ConnectorCheckError('REPOSITORY_NOT_FOUND', 'operation', `repository '${repositoryPath}' not found on ${where}: ${reason}`, 'check the repository path, and that this key may read it'));
        } else {
          reject(new ConnectorCheckError('GIT_UPLOAD_PACK_FAILED', 'operation', `git-upload-pack on ${where} ended (${code ?? 'signal'}) without a ref advertisement${reason ? `: ${reason}` : ''}`));
        }
      });
    });
  });
}
