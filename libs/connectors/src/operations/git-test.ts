import { ConnectorCheckError, ConnectorOperations, OperationContext, secretText } from './context';
import { parseRefAdvertisement, PktLineError, RefAdvertisement } from './git-protocol';
import { authenticationError, describeUrl, HttpCall, httpCall } from './http-client';
import { basicAuthorization, usernameOf } from './http-auth';
import { describeSshTarget, SshKey, SshTarget, sshUploadPackAdvertisement } from './ssh-probe';

type Spec = Record<string, unknown>;

export type GitRemote = { transport: 'http'; url: string } | { transport: 'ssh'; target: SshTarget; path: string };

/** Where a Git URL points: an http(s) URL, or an SSH target and path (`ssh://user@host:port/path`, `user@host:path`). */
export function parseGitRemote(url: string): GitRemote {
  if (/^https?:\/\//i.test(url)) return { transport: 'http', url };
  if (/^ssh:\/\//i.test(url)) {
    const u = new URL(url);
    // ssh://host/~user/repo keeps the home-relative form; otherwise the path is absolute.
    const path = decodeURIComponent(u.pathname).replace(/^\/~/, '~');
    return { transport: 'ssh', target: { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 22, username: decodeURIComponent(u.username) || 'git' }, path };
  }
  const scp = /^(?:([^@/]+)@)?([^:/]+):(.+)$/.exec(url);
  if (scp && !url.includes('://')) return { transport: 'ssh', target: { host: scp[2] as string, port: 22, username: scp[1] ?? 'git' }, path: scp[3] as string };
  throw new ConnectorCheckError('UNSUPPORTED_URL', 'connection', `spec.url: ${url.split('://')[0]}:// Git URLs cannot be tested with credentials; use https:// or ssh://`);
}

/**
 * The repository a connection test reads: the URL itself for a Repo connector; for an Account connector,
 * the validation repository under the account URL (or the validation repository's own URL).
 */
export function repositoryUrlOf(spec: Spec, connectionTypeField: string, accountValues: readonly string[]): string {
  const url = spec['url'] as string;
  if (!accountValues.includes(spec[connectionTypeField] as string)) return url;
  const repo = spec['validationRepo'] as string | undefined;
  if (!repo) {
    throw new ConnectorCheckError('VALIDATION_REPO_REQUIRED', 'operation', `spec.validationRepo: an ${spec[connectionTypeField] as string} connector needs a repository to test with`, 'name a repository the credentials can read');
  }
  if (/^[a-z]+:\/\//i.test(repo) || /^[^@/]+@[^:/]+:/.test(repo)) return repo;
  return `${url.replace(/\/+$/, '')}/${repo.replace(/^\/+/, '')}`;
}

/** An `ssh-key` secret ({privateKey, passphrase}); a text or file secret holding a PEM/OpenSSH key is accepted too. */
export function sshKeyOf(ctx: OperationContext, ref: string, field: string): SshKey {
  const secret = ctx.secrets.get(ref);
  if (!secret) throw new ConnectorCheckError('SECRET_UNAVAILABLE', 'authentication', `${field}: secret '${ref}' was not provided to this operation`);
  if (secret.kind === 'ssh-key') return { privateKey: secret.privateKey, ...(secret.passphrase ? { passphrase: secret.passphrase } : {}) };
  if (secret.kind === 'text' || secret.kind === 'file') return { privateKey: secretText(ctx, ref, field) };
  throw new ConnectorCheckError('SECRET_KIND', 'authentication', `${field}: secret '${ref}' is a ${secret.kind}, not an SSH key`);
}

export interface GitCredentials {
  http?: { headers: Record<string, string>; tls?: HttpCall['tls']; what: string };
  ssh?: { key: SshKey; knownHostFingerprints: readonly string[] };
}

export interface RefListing {
  where: string;
  transport: 'http' | 'ssh';
  advertisement: RefAdvertisement;
  latencyMs: number;
  hostKeyFingerprint?: string;
}

/** Lists a repository's refs the way `git ls-remote` does, over smart HTTP or SSH, without fetching objects. */
export async function listRefs(ctx: OperationContext, repositoryUrl: string, credentials: GitCredentials): Promise<RefListing> {
  const remote = parseGitRemote(repositoryUrl);
  if (remote.transport === 'http') {
    if (!credentials.http) throw new ConnectorCheckError('URL_TRANSPORT_MISMATCH', 'connection', `spec.url: ${describeUrl(repositoryUrl)} is an HTTP URL, but the connector holds SSH credentials`);
    return listRefsOverHttp(ctx, repositoryUrl, credentials.http);
  }
  if (!credentials.ssh) throw new ConnectorCheckError('URL_TRANSPORT_MISMATCH', 'connection', `spec.url: ${describeSshTarget(remote.target)} is reached over SSH, but the connector holds HTTP credentials`);
  const where = `ssh://${describeSshTarget(remote.target)}/${remote.path.replace(/^\//, '')}`;
  const answer = await sshUploadPackAdvertisement(ctx, remote.target, credentials.ssh.key, credentials.ssh.knownHostFingerprints, remote.path);
  return { where, transport: 'ssh', advertisement: parsed(answer.advertisement, false, where), latencyMs: answer.latencyMs, hostKeyFingerprint: answer.hostKeyFingerprint };
}

async function listRefsOverHttp(ctx: OperationContext, repositoryUrl: string, http: NonNullable<GitCredentials['http']>): Promise<RefListing> {
  const url = `${repositoryUrl.replace(/\/+$/, '')}/info/refs?service=git-upload-pack`;
  const answer = await httpCall(ctx, {
    url,
    headers: { ...http.headers, accept: 'application/x-git-upload-pack-advertisement', 'user-agent': 'git/2 (conduit connection test)' },
    ...(http.tls ? { tls: http.tls } : {}),
  });
  if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, http.what);
  if (answer.status === 404) throw new ConnectorCheckError('REPOSITORY_NOT_FOUND', 'operation', `repository not found: ${describeUrl(url)} answered 404`, 'check the URL (and validationRepo), and that the credentials may read it');
  if (answer.status !== 200) throw new ConnectorCheckError('UNEXPECTED_STATUS', 'operation', `${describeUrl(url)} answered ${answer.status}, expected 200`);
  const contentType = String(answer.headers['content-type'] ?? '');
  if (!contentType.startsWith('application/x-git-upload-pack-advertisement')) {
    throw new ConnectorCheckError('NOT_SMART_HTTP', 'operation', `${describeUrl(url)} did not answer with a Git smart-HTTP advertisement (content-type '${contentType || 'none'}')`, 'is the URL a Git repository URL (…/repo.git)?');
  }
  return { where: describeUrl(repositoryUrl), transport: 'http', advertisement: parsed(Buffer.from(answer.text, 'utf8'), true, describeUrl(url)), latencyMs: answer.latencyMs };
}

function parsed(bytes: Buffer, smartHttp: boolean, where: string): RefAdvertisement {
  try {
    return parseRefAdvertisement(bytes, { smartHttp });
  } catch (error) {
    if (error instanceof PktLineError) throw new ConnectorCheckError('BAD_REF_ADVERTISEMENT', 'operation', `${where}: not a Git ref advertisement (${error.message})`);
    throw error;
  }
}

/** The outcome of a ref listing: a line with the ref count and HEAD, and the same as details. */
export function refsOutcome(listing: RefListing) {
  const { advertisement: ad } = listing;
  const head = ad.head ?? (ad.headOid ? `detached at ${ad.headOid.slice(0, 12)}` : 'unknown');
  const summary = ad.empty ? 'an empty repository (no refs yet)' : `${ad.refs.length} refs, HEAD → ${head}`;
  return {
    message: `Git repository ${listing.where} over ${listing.transport.toUpperCase()}: ${summary} (${listing.latencyMs} ms)`,
    details: {
      transport: listing.transport,
      refs: ad.refs.length,
      head: ad.head ?? null,
      headCommit: ad.headOid ?? null,
      latencyMs: listing.latencyMs,
      ...(listing.hostKeyFingerprint ? { hostKeyFingerprint: listing.hostKeyFingerprint } : {}),
    },
  };
}

/** Credentials of an `{type: Ssh, spec: {sshKeyRef, knownHostFingerprints}}` block. */
export function sshCredentials(ctx: OperationContext, spec: Spec, path: string): GitCredentials {
  return {
    ssh: {
      key: sshKeyOf(ctx, spec['sshKeyRef'] as string, `${path}.sshKeyRef`),
      knownHostFingerprints: (spec['knownHostFingerprints'] as string[] | undefined) ?? [],
    },
  };
}

/** Basic credentials of a user name with a password (`passwordRef`) or token (`tokenRef`). */
export function basicGitCredentials(ctx: OperationContext, spec: Spec, path: string): GitCredentials {
  const user = usernameOf(ctx, spec, path);
  const secretField = spec['tokenRef'] ? 'tokenRef' : 'passwordRef';
  const secret = secretText(ctx, spec[secretField] as string, `${path}.${secretField}`);
  const what = `the ${secretField === 'tokenRef' ? 'token' : 'password'} of user '${user}'`;
  return { http: { headers: { authorization: basicAuthorization(user, secret) }, what } };
}

/** The generic Git connector's credentials, kept at the top of its spec (`type: Http|Ssh`, `spec`). */
export function gitConnectorCredentials(ctx: OperationContext): GitCredentials {
  const inner = (ctx.spec['spec'] as Spec | undefined) ?? {};
  return ctx.spec['type'] === 'Ssh' ? sshCredentials(ctx, inner, 'spec.spec') : basicGitCredentials(ctx, inner, 'spec.spec');
}

/** The generic Git connector's test: list the refs of the repository (or the Account's validation repository). */
export const gitOperations: ConnectorOperations = {
  async test(ctx) {
    const spec = ctx.spec;
    const credentials = await ctx.stage('authentication', async () => gitConnectorCredentials(ctx));
    const listing = await ctx.stage('connection', () => listRefs(ctx, repositoryUrlOf(spec, 'connectionType', ['Account']), credentials));
    return ctx.stage('operation', async () => refsOutcome(listing));
  },
};
