import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { azureOperations } from '../operations/cloud-test';
import { connectivityFields, requireDelegate, text } from '../schema/fields';
import { secretRef } from '../schema/references';

const azureEnvironmentType = z.enum(['AZURE', 'AZURE_US_GOVERNMENT']);

const application = {
  applicationId: text('Application (client) id of the app registration'),
  tenantId: text('Directory (tenant) id'),
};

const credential = z.discriminatedUnion('type', [
  // An app registration signing in with a client secret or certificate: OAuth 2.0 client credentials.
  z.object({
    type: z.literal('ManualConfig'),
    spec: z.object({
      ...application,
      auth: z.discriminatedUnion('type', [
        z.object({
          type: z.literal('Secret'),
          spec: z.object({ secretRef: secretRef('Reference to the client secret') }),
        }),
        z.object({
          type: z.literal('Certificate'),
          spec: z.object({ certificateRef: secretRef('Reference to the PEM certificate with its private key') }),
        }),
      ]),
    }),
  }),
  // The delegate's managed identity.
  z.object({
    type: z.literal('InheritFromDelegate'),
    spec: z.object({
      auth: z.discriminatedUnion('type', [
        z.object({ type: z.literal('SystemAssignedManagedIdentity') }),
        z.object({
          type: z.literal('UserAssignedManagedIdentity'),
          spec: z.object({ clientId: text('Client id of the user-assigned identity') }),
        }),
      ]),
    }),
  }),
  z.object({
    type: z.literal('OidcAuthentication'),
    spec: z.object({
      ...application,
      audience: text('Audience of the federated credential, e.g. api://AzureADTokenExchange', 1024).optional(),
      azureEnvironmentType: azureEnvironmentType.optional(),
    }),
  }),
]);

export const azureSpec = z
  .object({
    credential,
    azureEnvironmentType: azureEnvironmentType.optional(),
    ...connectivityFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.credential.type === 'InheritFromDelegate') {
      requireDelegate(spec, ctx, "credential InheritFromDelegate uses the delegate's managed identity");
    }
  });

export const azureConnector = defineConnectorType({
  type: 'Azure',
  displayName: 'Microsoft Azure',
  category: 'Cloud',
  description: 'Microsoft Azure: ACR, AKS, Web Apps and other Azure Resource Manager APIs.',
  docsHint: 'An app registration with a client secret or certificate, a managed identity, or a federated credential.',
  authKinds: ['OAuthClientCredentials', 'ClientCertificate', 'InheritFromDelegate', 'OidcFederation'],
  schema: azureSpec,
  operations: azureOperations,
});
