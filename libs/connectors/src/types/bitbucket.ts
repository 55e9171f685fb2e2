import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { scmConnectorOperations } from '../operations/git-operations';
import { bitbucketOperations } from '../operations/scm-test';
import { connectivityFields, gitUrl, httpUrl, serverTrustFields } from '../schema/fields';
import {
  apiAccessOAuth,
  apiAccessUsernameToken,
  httpOAuth,
  httpUsernamePassword,
  httpUsernameToken,
  scmAuthentication,
  scmConnectionType,
  validationRepo,
} from '../schema/scm';

// Bitbucket's API takes a user name with the (app) password, so Harness names its API access `UsernameToken`.
export const bitbucketSpec = z.object({
  url: gitUrl('https://bitbucket.org/<workspace> (Account) or a repository URL (Repo)'),
  type: scmConnectionType,
  validationRepo,
  authentication: scmAuthentication(z.discriminatedUnion('type', [httpUsernameToken, httpUsernamePassword, httpOAuth])),
  apiAccess: z.discriminatedUnion('type', [apiAccessUsernameToken, apiAccessOAuth]).optional(),
  apiUrl: httpUrl('Bitbucket Cloud API base; https://api.bitbucket.org for bitbucket.org when absent (Data Center is tested over Git)').optional(),
  ...connectivityFields,
  ...serverTrustFields,
});

export const bitbucketConnector = defineConnectorType({
  type: 'Bitbucket',
  displayName: 'Bitbucket',
  category: 'SourceCode',
  description: 'Bitbucket Cloud or Bitbucket Data Center: clone repositories, read files, use the Bitbucket API.',
  docsHint: 'An app password (Cloud) or HTTP access token (Data Center) with repository read permission.',
  authKinds: ['UsernameToken', 'HttpBasic', 'SshKey', 'OAuthRefreshToken'],
  schema: bitbucketSpec,
  operations: scmConnectorOperations(bitbucketOperations),
});
