import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { serviceNowOperations } from '../operations/collaboration-test';
import {
  legacyUsernamePasswordFields,
  oauthRefreshTokenSpec,
  requireAuthOrLegacyCredentials,
  usernamePasswordSpec,
} from '../schema/auth';
import { connectivityFields, httpUrl, serverTrustFields } from '../schema/fields';
import { secretRef } from '../schema/references';

export const serviceNowSpec = z
  .object({
    serviceNowUrl: httpUrl('e.g. https://mycompany.service-now.com'),
    ...legacyUsernamePasswordFields,
    auth: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('UsernamePassword'), spec: usernamePasswordSpec }),
        // OAuth 2.0 client credentials at an AD FS server, the client proving itself with a certificate.
        z.object({
          type: z.literal('AdfsClientCredentialsWithCertificate'),
          spec: z.object({
            adfsUrl: httpUrl('AD FS server URL'),
            certificateRef: secretRef('Reference to the client certificate (PEM)'),
            privateKeyRef: secretRef('Reference to the private key of the certificate (PEM)'),
            clientIdRef: secretRef('Reference to the client id'),
            resourceIdRef: secretRef('Reference to the resource id (the ServiceNow instance at AD FS)'),
          }),
        }),
        z.object({ type: z.literal('RefreshTokenGrantType'), spec: oauthRefreshTokenSpec }),
      ])
      .optional(),
    ...connectivityFields,
    ...serverTrustFields,
  })
  .superRefine(requireAuthOrLegacyCredentials);

export const serviceNowConnector = defineConnectorType({
  type: 'ServiceNow',
  displayName: 'ServiceNow',
  category: 'Collaboration',
  description: 'ServiceNow: create and update tickets and change requests, approvals.',
  authKinds: ['HttpBasic', 'OAuthClientCredentials', 'ClientCertificate', 'OAuthRefreshToken'],
  schema: serviceNowSpec,
  operations: serviceNowOperations,
});
