import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { artifactoryOperations } from '../operations/artifact-repositories';
import { registryAuth } from '../schema/auth';
import { connectivityFields, httpUrl, serverTrustFields } from '../schema/fields';

export const artifactorySpec = z.object({
  artifactoryServerUrl: httpUrl('e.g. https://mycompany.jfrog.io/artifactory/'),
  auth: registryAuth,
  ...connectivityFields,
  ...serverTrustFields,
});

export const artifactoryConnector = defineConnectorType({
  type: 'Artifactory',
  displayName: 'Artifactory',
  category: 'Artifact',
  description: 'JFrog Artifactory: Docker images, Helm charts and generic artifacts.',
  docsHint: 'An identity token can be given as the password.',
  authKinds: ['Anonymous', 'HttpBasic'],
  schema: artifactorySpec,
  operations: artifactoryOperations,
});
