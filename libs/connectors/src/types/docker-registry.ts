import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { dockerRegistryOperations } from '../operations/docker-registry-test';
import { registryAuth } from '../schema/auth';
import { connectivityFields, httpUrl, serverTrustFields } from '../schema/fields';

export const dockerRegistrySpec = z.object({
  dockerRegistryUrl: httpUrl('Registry API URL, e.g. https://index.docker.io/v2/'),
  providerType: z.enum(['DockerHub', 'Harbor', 'Quay', 'Other']),
  auth: registryAuth,
  ...connectivityFields,
  ...serverTrustFields,
});

export const dockerRegistryConnector = defineConnectorType({
  type: 'DockerRegistry',
  displayName: 'Docker Registry',
  category: 'Artifact',
  description: 'A Docker v2 registry (Docker Hub, Harbor, Quay or other): list tags, pull images.',
  docsHint: 'For Docker Hub, use an access token as the password.',
  authKinds: ['Anonymous', 'HttpBasic'],
  schema: dockerRegistrySpec,
  operations: dockerRegistryOperations,
});
