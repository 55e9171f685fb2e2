import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { scmConnectorOperations } from '../operations/git-operations';
import { githubOperations } from '../operations/scm-test';
import { connectivityFields, gitUrl, httpUrl, serverTrustFields } from '../schema/fields';
import {
  apiAccessGithubApp,
  apiAccessOAuth,
  apiAccessToken,
  httpAnonymous,
  httpGithubApp,
  httpOAuth,
  httpUsernamePassword,
  httpUsernameToken,
  scmAuthentication,
  scmConnectionType,
  validationRepo,
} from '../schema/scm';

export const githubSpec = z.object({
  url: gitUrl('https://github.com/<owner> (Account) or a repository URL (Repo); git@github.com:<owner> for SSH'),
  type: scmConnectionType,
  validationRepo,
  authentication: scmAuthentication(
    z.discriminatedUnion('type', [httpUsernameToken, httpUsernamePassword, httpOAuth, httpGithubApp, httpAnonymous]),
  ),
  apiAccess: z.discriminatedUnion('type', [apiAccessToken, apiAccessGithubApp, apiAccessOAuth]).optional(),
  apiUrl: httpUrl('GitHub REST API base; derived from url when absent (https://api.github.com, or <host>/api/v3 for GitHub Enterprise)').optional(),
  ...connectivityFields,
  ...serverTrustFields,
});

export const githubConnector = defineConnectorType({
  type: 'Github',
  displayName: 'GitHub',
  category: 'SourceCode',
  description: 'GitHub or GitHub Enterprise: clone repositories, read files, use the GitHub API.',
  docsHint: 'A fine-grained personal access token or a GitHub App installation; API access is needed for triggers.',
  authKinds: ['UsernameToken', 'HttpBasic', 'SshKey', 'HttpToken', 'OAuthRefreshToken', 'GithubApp', 'Anonymous'],
  schema: githubSpec,
  operations: scmConnectorOperations(githubOperations, 'github'),
});
