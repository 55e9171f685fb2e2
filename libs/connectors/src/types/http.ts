import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { notificationActions } from '../operations/notifications';
import { httpOperations } from '../operations/http-test';
import {
  anonymousAuth,
  clientCertificateFields,
  headerList,
  oauthClientCredentialsSpec,
  oauthRefreshTokenSpec,
  usernamePasswordAuth,
} from '../schema/auth';
import { connectivityFields, httpUrl, serverTrustFields } from '../schema/fields';
import { secretRef } from '../schema/references';

// A generic HTTP endpoint (Conduit's own type): what to call, how to authenticate, and what answer counts as
// healthy.
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const auth = z.discriminatedUnion('type', [
  anonymousAuth,
  usernamePasswordAuth,
  z.object({ type: z.literal('BearerToken'), spec: z.object({ tokenRef: secretRef('Reference to the token') }) }),
  z.object({ type: z.literal('OAuthClientCredentials'), spec: oauthClientCredentialsSpec }),
  z.object({ type: z.literal('OAuthRefreshToken'), spec: oauthRefreshTokenSpec }),
  z.object({ type: z.literal('ClientCertificate'), spec: z.object(clientCertificateFields) }),
]);

export const httpSpec = z
  .object({
    url: httpUrl('Endpoint to call'),
    method: z.enum(HTTP_METHODS).optional().meta({ description: 'Defaults to GET' }),
    headers: headerList.optional(),
    body: z.string().max(65_536).optional(),
    auth: auth.optional().meta({ description: 'Defaults to Anonymous' }),
    expectedStatus: z
      .array(z.number().int().min(100).max(599))
      .min(1)
      .max(32)
      .optional()
      .meta({ description: 'Status codes that count as success; defaults to any 2xx' }),
    expectedBodyContains: z.string().min(1).max(4096).optional(),
    ...connectivityFields,
    ...serverTrustFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.body !== undefined && (spec.method ?? 'GET') === 'GET') {
      ctx.addIssue({ code: 'custom', path: ['body'], message: 'a GET request has no body; set method' });
    }
    if (spec.body !== undefined && spec.method === 'HEAD') {
      ctx.addIssue({ code: 'custom', path: ['body'], message: 'a HEAD request has no body' });
    }
    if (spec.expectedBodyContains !== undefined && spec.method === 'HEAD') {
      ctx.addIssue({ code: 'custom', path: ['expectedBodyContains'], message: 'a HEAD response has no body' });
    }
  });

export const httpConnector = defineConnectorType({
  type: 'Http',
  displayName: 'HTTP',
  category: 'Generic',
  description: 'Any HTTP(S) endpoint: health checks, webhooks and REST calls.',
  authKinds: [
    'Anonymous',
    'HttpBasic',
    'HttpToken',
    'OAuthClientCredentials',
    'OAuthRefreshToken',
    'ClientCertificate',
  ],
  schema: httpSpec,
  operations: { ...httpOperations, actions: notificationActions('Http') },
});
