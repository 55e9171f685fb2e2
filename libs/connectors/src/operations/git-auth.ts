import { writeFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { rootCertificates } from 'node:tls';
import { connectorCa, ConnectorCheckError, OperationContext } from './context';
import { basicGitCredentials, parseGitRemote, sshCredentials } from './git-test';
import { pinnedKnownHostsLine, SshKey } from './ssh-probe';

type Spec = Record<string, unknown>;

/** The repository a pipeline clones: the connector's URL for a Repo connector, URL + repo for an Account. */
export function cloneUrlOf(type: string, spec: Spec, repo: string | undefined): string {
  const url = (spec['url'] as string).replace(/\/+$/, '');
  const accountField = type === 'Git' ? 'connectionType' : 'type';
  if (spec[accountField] !== 'Account' && spec[accountField] !== 'Project') return url;
  if (!repo) throw new ConnectorCheckError('REPO_REQUIRED', 'operation', 'codebase.repo: an Account connector needs the repository to clone');
  return `${url}/${repo.replace(/^\/+/, '')}`;
}

/**
 * How a pipeline clones a codebase: over HTTP(S) with an Authorization header (none for anonymous access), or
 * over SSH with the connector's key and a known_hosts line for the host key its fingerprints pin.
 */
export type CloneAccess = { transport: 'http'; authorization?: string; ca?: string } | { transport: 'ssh'; key: SshKey; knownHostsLine: string };

export async function cloneAccessOf(ctx: OperationContext, type: string, spec: Spec, url: string): Promise<CloneAccess> {
  const auth = (type === 'Git' ? spec : (spec['authentication'] as Spec | undefined)) ?? {};
  const path = type === 'Git' ? 'spec.spec' : 'spec.authentication.spec';
  if (auth['type'] === 'Ssh') {
    const remote = parseGitRemote(url);
    if (remote.transport !== 'ssh') throw new ConnectorCheckError('URL_TRANSPORT_MISMATCH', 'connection', `spec.url: an Ssh connector needs an ssh:// or user@host:path URL, not ${url.split('://')[0]}://`);
    const { ssh } = sshCredentials(ctx, auth['spec'] as Spec, path);
    if (!ssh) throw new ConnectorCheckError('SSH_KEY_INVALID', 'authentication', `${path}.sshKeyRef: no SSH key`);
    if (ssh.key.passphrase !== undefined) {
      throw new ConnectorCheckError('SSH_KEY_PASSPHRASE', 'authentication', `${path}.sshKeyRef: a key with a passphrase cannot be handed to git non-interactively`, 'use a deploy key without a passphrase for pipeline clones');
    }
    return { transport: 'ssh', key: ssh.key, knownHostsLine: await pinnedKnownHostsLine(ctx, remote.target, ssh.key, ssh.knownHostFingerprints) };
  }
  const credentials = (type === 'Git' ? auth['spec'] : (auth['spec'] as Spec | undefined)?.['spec']) as Spec | undefined;
  const kind = type === 'Git' ? 'UsernamePassword' : ((auth['spec'] as Spec | undefined)?.['type'] as string | undefined);
  const ca = connectorCa(ctx);
  const authorization = !credentials || kind === 'Anonymous' ? undefined : basicGitCredentials(ctx, credentials, type === 'Git' ? 'spec.spec' : 'spec.authentication.spec.spec').http?.headers['authorization'];
  return { transport: 'http', ...(authorization ? { authorization } : {}), ...(ca ? { ca } : {}) };
}

/**
 * git configuration for HTTP(S) through GIT_CONFIG_* variables, never the command line: the headers (the
 * credential) and, with the connector's CA, http.sslCAInfo naming a bundle in `ca.dir` (public roots plus that CA).
 */
export async function gitHttpEnvironment(headers: Record<string, string>, ca?: { pem: string; dir: string }): Promise<NodeJS.ProcessEnv> {
  const config: Array<[string, string]> = Object.entries(headers).map(([name, value]) => ['http.extraHeader', `${name}: ${value}`]);
  if (ca) {
    const bundle = nodePath.join(ca.dir, 'ca-bundle.pem');
    await writeFile(bundle, [...rootCertificates, ca.pem].join('\n'), { mode: 0o600 });
    config.push(['http.sslCAInfo', bundle]);
  }
  return { GIT_CONFIG_COUNT: String(config.length), ...Object.fromEntries(config.flatMap(([key, value], i) => [[`GIT_CONFIG_KEY_${i}`, key], [`GIT_CONFIG_VALUE_${i}`, value]])) };
}

/**
 * git configuration for SSH: the key (0600) and a known_hosts holding exactly the pinned host key, written
 * into `dir`, and an ssh command that uses only those — no agent, no config, no prompt, and any other host
 * key fails.
 */
export async function gitSshEnvironment(key: SshKey, knownHostsLine: string, dir: string): Promise<NodeJS.ProcessEnv> {
  const keyFile = nodePath.join(dir, 'key');
  const knownHosts = nodePath.join(dir, 'known_hosts');
  await writeFile(keyFile, key.privateKey.endsWith('\n') ? key.privateKey : `${key.privateKey}\n`, { mode: 0o600 });
  await writeFile(knownHosts, `${knownHostsLine}\n`, { mode: 0o600 });
  const options = ['-F /dev/null', `-i '${keyFile}'`, '-o IdentitiesOnly=yes', '-o IdentityAgent=none', '-o BatchMode=yes', '-o StrictHostKeyChecking=yes', `-o UserKnownHostsFile='${knownHosts}'`, '-o GlobalKnownHostsFile=/dev/null'];
  return { GIT_SSH_COMMAND: `ssh ${options.join(' ')}`, GIT_SSH_VARIANT: 'ssh' };
}
