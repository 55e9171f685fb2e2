import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { gcpOperations } from '../operations/cloud-test';
import { connectivityFields, requireDelegate, text } from '../schema/fields';
import { secretRef } from '../schema/references';

const credential = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ManualConfig'),
    spec: z.object({ secretKeyRef: secretRef('Reference to the service account key file (JSON)') }),
  }),
  // The delegate's workload identity or node service account.
  z.object({ type: z.literal('InheritFromDelegate') }),
  z.object({
    type: z.literal('OidcAuthentication'),
    spec: z.object({
      workloadPoolId: text('Workload identity pool id'),
      providerId: text('Workload identity pool provider id'),
      gcpProjectId: text('Number of the project holding the pool'),
      serviceAccountEmail: z.email({ error: 'must be a service account e-mail address' }),
    }),
  }),
]);

export const gcpSpec = z.object({ credential, ...connectivityFields }).superRefine((spec, ctx) => {
  if (spec.credential.type === 'InheritFromDelegate') {
    requireDelegate(spec, ctx, "credential InheritFromDelegate uses the delegate's Google identity");
  }
});

export const gcpConnector = defineConnectorType({
  type: 'Gcp',
  displayName: 'Google Cloud Platform',
  category: 'Cloud',
  description: 'Google Cloud: GCR and Artifact Registry, GCS, GKE, Cloud Functions and other Google APIs.',
  docsHint: 'A service account key, the delegate’s workload identity, or workload identity federation.',
  authKinds: ['ServiceAccountKey', 'InheritFromDelegate', 'OidcFederation'],
  schema: gcpSpec,
  operations: gcpOperations,
});
