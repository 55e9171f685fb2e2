import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { nexusOperations } from '../operations/artifact-repositories';
import { registryAuth } from '../schema/auth';
import { connectivityFields, httpUrl, serverTrustFields } from '../schema/fields';

export const nexusSpec = z.object({
  nexusServerUrl: httpUrl('e.g. https://nexus.example.com'),
  // The REST API differs between the two major versions.
  version: z.enum(['2.x', '3.x']),
  auth: registryAuth,
  ...connectivityFields,
  ...serverTrustFields,
});

export const nexusConnector = defineConnectorType({
  type: 'Nexus',
  displayName: 'Nexus',
  category: 'Artifact',
  description: 'Sonatype Nexus Repository 2.x or 3.x: Docker images, Maven, npm, NuGet and raw artifacts.',
  authKinds: ['Anonymous', 'HttpBasic'],
  schema: nexusSpec,
  operations: nexusOperations,
});
