import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { awsSecretManagerOperations } from '../operations/secret-managers';
import { connectivityFields, httpUrl, requireDelegate, text } from '../schema/fields';
import { secretRef } from '../schema/references';

// Unlike the Aws connector, Harness names both keys here without the Ref suffix; both are secret references.
const credential = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ManualConfig'),
    spec: z.object({
      accessKey: secretRef('Reference to a secret holding the access key id'),
      secretKey: secretRef('Reference to the secret access key'),
    }),
  }),
  // The delegate's own AWS identity.
  z.object({ type: z.literal('AssumeIAMRole') }),
  // A role assumed through STS from the delegate's identity.
  z.object({
    type: z.literal('AssumeSTSRole'),
    spec: z.object({
      roleArn: text('ARN of the role to assume', 2048),
      externalName: text("External id that the role's trust policy requires").optional(),
      assumeStsRoleDuration: z.number().int().min(900).max(43_200).optional().meta({ description: 'Seconds' }),
    }),
  }),
]);

export const awsSecretManagerSpec = z
  .object({
    credential,
    region: text('Region of the secrets, e.g. us-east-1', 64),
    secretNamePrefix: text('Prefix for the names of secrets Conduit creates', 512).optional(),
    usePutSecret: z.boolean().optional(),
    // Not in Harness's schema: a VPC (PrivateLink) endpoint, or a stand-in in tests.
    endpoint: httpUrl('Secrets Manager endpoint, when not https://secretsmanager.<region>.amazonaws.com').optional(),
    ...connectivityFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.credential.type !== 'ManualConfig') {
      requireDelegate(spec, ctx, `credential ${spec.credential.type} uses the delegate's AWS identity`);
    }
  });

export const awsSecretManagerConnector = defineConnectorType({
  type: 'AwsSecretManager',
  displayName: 'AWS Secrets Manager',
  category: 'SecretManager',
  description: 'AWS Secrets Manager, read by the delegate inside the private network.',
  authKinds: ['AccessKey', 'InheritFromDelegate'],
  schema: awsSecretManagerSpec,
  operations: awsSecretManagerOperations,
});
