import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { httpHelmRepoOperations } from '../operations/artifact-repositories';
import { registryAuth } from '../schema/auth';
import { connectivityFields, httpUrl, serverTrustFields } from '../schema/fields';

export const httpHelmRepoSpec = z.object({
  helmRepoUrl: httpUrl('Chart repository URL (the folder holding index.yaml)'),
  auth: registryAuth,
  ...connectivityFields,
  ...serverTrustFields,
});

export const httpHelmRepoConnector = defineConnectorType({
  type: 'HttpHelmRepo',
  displayName: 'HTTP Helm Repository',
  category: 'Artifact',
  description: 'A Helm chart repository served over HTTP(S): read index.yaml, fetch charts.',
  authKinds: ['Anonymous', 'HttpBasic'],
  schema: httpHelmRepoSpec,
  operations: httpHelmRepoOperations,
});
