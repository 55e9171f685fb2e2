import { ConnectorCheckError, OperationContext } from './context';
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
export type CloneAccess = { transport: 'http'; authorization?: string } | { transport: 'ssh'; key: SshKey; knownHostsLine: string };

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
  if (!credentials || kind === 'Anonymous') return { transport: 'http' };
  const authorization = basicGitCredentials(ctx, credentials, type === 'Git' ? 'spec.spec' : 'spec.authentication.spec.spec').http?.headers['authorization'];
  return { transport: 'http', ...(authorization ? { authorization } : {}) };
}
