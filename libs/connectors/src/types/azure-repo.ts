import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { scmConnectorOperations } from '../operations/git-operations';
import { azureRepoOperations } from '../operations/scm-test';
import { connectivityFields, gitUrl, serverTrustFields } from '../schema/fields';
import { apiAccessToken, httpUsernameToken, scmAuthentication, validationRepo } from '../schema/scm';

export const azureRepoSpec = z.object({
  url: gitUrl('https://dev.azure.com/<organization>/<project> (Project) or a repository URL (Repo)'),
  // Azure DevOps groups repositories by project, so Harness's connection types here are Project|Repo.
  type: z.enum(['Project', 'Repo']),
  validationRepo,
  authentication: scmAuthentication(z.discriminatedUnion('type', [httpUsernameToken])),
  apiAccess: z.discriminatedUnion('type', [apiAccessToken]).optional(),
  ...connectivityFields,
  ...serverTrustFields,
});

export const azureRepoConnector = defineConnectorType({
  type: 'AzureRepo',
  displayName: 'Azure Repos',
  category: 'SourceCode',
  description: 'Azure DevOps Repos: clone repositories, read files, use the Azure DevOps API.',
  docsHint: 'A personal access token with Code (Read) scope.',
  authKinds: ['UsernameToken', 'SshKey', 'HttpToken'],
  schema: azureRepoSpec,
  operations: scmConnectorOperations(azureRepoOperations),
});
