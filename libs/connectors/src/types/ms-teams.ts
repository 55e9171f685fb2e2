import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { notificationActions } from '../operations/notifications';
import { msTeamsOperations } from '../operations/collaboration-test';
import { connectivityFields, serverTrustFields, text } from '../schema/fields';
import { secretRef } from '../schema/references';

// Conduit's own names (Harness notifies Teams through channels, not connectors).
export const msTeamsSpec = z.object({
  auth: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('IncomingWebhook'),
      spec: z.object({ webhookUrlRef: secretRef('Reference to the Teams workflow or incoming-webhook URL') }),
    }),
    // An app registration posting through Microsoft Graph.
    z.object({
      type: z.literal('OAuthClientCredentials'),
      spec: z.object({
        tenantId: text('Directory (tenant) id'),
        clientId: text('Application (client) id'),
        clientSecretRef: secretRef('Reference to the client secret'),
      }),
    }),
  ]),
  ...connectivityFields,
  ...serverTrustFields,
});

export const msTeamsConnector = defineConnectorType({
  type: 'MsTeams',
  displayName: 'Microsoft Teams',
  category: 'Collaboration',
  description: 'Microsoft Teams notifications through a webhook or Microsoft Graph.',
  authKinds: ['WebhookUrl', 'OAuthClientCredentials'],
  schema: msTeamsSpec,
  operations: { ...msTeamsOperations, actions: notificationActions('MsTeams') },
});
