import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { scmConnectorOperations } from '../operations/git-operations';
import { gitlabOperations } from '../operations/scm-test';
import { connectivityFields, gitUrl, httpUrl, serverTrustFields } from '../schema/fields';
import {
  apiAccessOAuth,
  apiAccessToken,
  httpOAuth,
  httpUsernamePassword,
  httpUsernameToken,
  scmAuthentication,
  scmConnectionType,
  validationRepo,
} from '../schema/scm';

export const gitlabSpec = z.object({
  url: gitUrl('https://gitlab.com/<group> (Account) or a repository URL (Repo)'),
  type: scmConnectionType,
  validationRepo,
  authentication: scmAuthentication(z.discriminatedUnion('type', [httpUsernameToken, httpUsernamePassword, httpOAuth])),
  apiAccess: z.discriminatedUnion('type', [apiAccessToken, apiAccessOAuth]).optional(),
  apiUrl: httpUrl('GitLab REST API base; derived from url when absent (<instance>/api/v4)').optional(),
  ...connectivityFields,
  ...serverTrustFields,
});

export const gitlabConnector = defineConnectorType({
  type: 'Gitlab',
  displayName: 'GitLab',
  category: 'SourceCode',
  description: 'GitLab.com or self-managed GitLab: clone repositories, read files, use the GitLab API.',
  docsHint: 'A personal, group or project access token with read_repository (and api for API access).',
  authKinds: ['UsernameToken', 'HttpBasic', 'SshKey', 'HttpToken', 'OAuthRefreshToken'],
  schema: gitlabSpec,
  operations: scmConnectorOperations(gitlabOperations),
});
