import { ConnectorCheckError, OperationContext } from './context';
import { basicGitCredentials } from './git-test';

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
 * The HTTP Authorization header value for cloning over HTTPS with a source-code connector, or undefined
 * for anonymous access. SSH codebases are not cloned by pipelines yet.
 */
export function gitHttpAuthorization(ctx: OperationContext, type: string, spec: Spec): string | undefined {
  const auth = (type === 'Git' ? spec : (spec['authentication'] as Spec | undefined)) ?? {};
  const path = type === 'Git' ? 'spec.spec' : 'spec.authentication.spec.spec';
  if (auth['type'] === 'Ssh') {
    throw new ConnectorCheckError('SSH_CLONE_UNSUPPORTED', 'authentication', `${type} connector uses SSH; pipelines clone over HTTPS for now`, 'use an HTTP connector for the codebase');
  }
  const credentials = (type === 'Git' ? auth['spec'] : (auth['spec'] as Spec | undefined)?.['spec']) as Spec | undefined;
  const kind = type === 'Git' ? 'UsernamePassword' : ((auth['spec'] as Spec | undefined)?.['type'] as string | undefined);
  if (!credentials || kind === 'Anonymous') return undefined;
  return basicGitCredentials(ctx, credentials, path).http?.headers['authorization'];
}
