import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { splunkOperations } from '../operations/observability-test';
import { connectivityFields, httpUrl, serverTrustFields, text } from '../schema/fields';
import { secretRef } from '../schema/references';

// Harness keeps Splunk's credential fields flat beside a `type`, which defaults to UsernamePassword because
// older connectors have no type.
export const SPLUNK_AUTH_TYPES = ['UsernamePassword', 'Bearer Token(HTTP Header)', 'HEC Token', 'Anonymous'] as const;

export const splunkSpec = z
  .object({
    splunkUrl: httpUrl('Management (REST) URL, e.g. https://splunk.example.com:8089'),
    type: z.enum(SPLUNK_AUTH_TYPES).optional(),
    username: text('User name (not secret)').optional(),
    passwordRef: secretRef('Reference to the password').optional(),
    tokenRef: secretRef('Reference to the bearer or HEC token').optional(),
    ...connectivityFields,
    ...serverTrustFields,
  })
  .superRefine((spec, ctx) => {
    const type = spec.type ?? 'UsernamePassword';
    const needs: readonly ('username' | 'passwordRef' | 'tokenRef')[] =
      type === 'UsernamePassword' ? ['username', 'passwordRef'] : type === 'Anonymous' ? [] : ['tokenRef'];
    for (const field of ['username', 'passwordRef', 'tokenRef'] as const) {
      if (needs.includes(field) && spec[field] === undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: `is required for ${type}` });
      } else if (!needs.includes(field) && spec[field] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: `is not used with ${type}` });
      }
    }
  });

export const splunkConnector = defineConnectorType({
  type: 'Splunk',
  displayName: 'Splunk',
  category: 'Observability',
  description: 'Splunk search for verification and alerts.',
  authKinds: ['HttpBasic', 'HttpToken', 'Anonymous'],
  schema: splunkSpec,
  operations: splunkOperations,
});
