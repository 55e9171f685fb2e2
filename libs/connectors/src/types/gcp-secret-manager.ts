import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { gcpSecretManagerOperations } from '../operations/secret-managers';
import { connectivityFields, httpUrl, requireDelegate } from '../schema/fields';
import { secretRef } from '../schema/references';

export const gcpSecretManagerSpec = z
  .object({
    credentialsRef: secretRef('Reference to the service account key file (JSON)').optional(),
    assumeCredentialsOnDelegate: z
      .boolean()
      .optional()
      .meta({ description: "true: use the delegate's Google identity instead of a key" }),
    // Not in Harness's schema: a Private Service Connect endpoint, or a stand-in in tests.
    endpoint: httpUrl('Secret Manager endpoint, when not https://secretmanager.googleapis.com').optional(),
    ...connectivityFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.assumeCredentialsOnDelegate) {
      requireDelegate(spec, ctx, "assumeCredentialsOnDelegate uses the delegate's Google identity");
      if (spec.credentialsRef !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['credentialsRef'],
          message: 'not used with assumeCredentialsOnDelegate',
        });
      }
    } else if (spec.credentialsRef === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['credentialsRef'],
        message: 'is required unless assumeCredentialsOnDelegate is true',
      });
    }
  });

export const gcpSecretManagerConnector = defineConnectorType({
  type: 'GcpSecretManager',
  displayName: 'GCP Secret Manager',
  category: 'SecretManager',
  description: 'Google Cloud Secret Manager, read by the delegate inside the private network.',
  authKinds: ['ServiceAccountKey', 'InheritFromDelegate'],
  schema: gcpSecretManagerSpec,
  operations: gcpSecretManagerOperations,
});
