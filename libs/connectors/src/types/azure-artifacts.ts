import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { azureArtifactsOperations } from '../operations/artifact-repositories';
import { tokenSpec } from '../schema/auth';
import { connectivityFields, httpUrl, serverTrustFields } from '../schema/fields';

// Harness's Azure Artifacts `auth` block has no `type` of its own: the credential kind sits one level down.
export const azureArtifactsSpec = z.object({
  azureArtifactsUrl: httpUrl('https://dev.azure.com/<organization>'),
  auth: z.object({
    spec: z.discriminatedUnion('type', [z.object({ type: z.literal('PersonalAccessToken'), spec: tokenSpec })]),
  }),
  ...connectivityFields,
  ...serverTrustFields,
});

export const azureArtifactsConnector = defineConnectorType({
  type: 'AzureArtifacts',
  displayName: 'Azure Artifacts',
  category: 'Artifact',
  description: 'Azure DevOps Artifacts feeds: Maven, npm, NuGet and universal packages.',
  docsHint: 'A personal access token with Packaging (Read) scope.',
  authKinds: ['HttpToken'],
  schema: azureArtifactsSpec,
  operations: azureArtifactsOperations,
});
