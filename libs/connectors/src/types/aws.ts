import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { awsOperations } from '../operations/cloud-test';
import { connectivityFields, requireDelegate, requireOneOf, text } from '../schema/fields';
import { secretRef } from '../schema/references';

const credentialCommon = {
  crossAccountAccess: z
    .object({
      crossAccountRoleArn: text('ARN of the role to assume in the target account', 2048),
      externalId: text("External id that the role's trust policy requires").optional(),
    })
    .optional(),
  region: text('Region used to test the connection, e.g. us-east-1', 64).optional(),
};

// The access key id is an identifier, not a secret, so Harness accepts it plain or as a reference.
const accessKeySpec = z
  .object({
    accessKey: text('Access key id (not secret)', 128).optional(),
    accessKeyRef: secretRef('Reference to a secret holding the access key id').optional(),
    secretKeyRef: secretRef('Reference to the secret access key'),
    sessionTokenRef: secretRef('Reference to a session token, for temporary credentials').optional(),
  })
  .superRefine((spec, ctx) => requireOneOf(spec, ctx, 'accessKey', 'accessKeyRef'));

const credential = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ManualConfig'), spec: accessKeySpec, ...credentialCommon }),
  // The delegate's instance profile or environment credentials.
  z.object({ type: z.literal('InheritFromDelegate'), ...credentialCommon }),
  // IAM Roles for Service Accounts: the role bound to the delegate pod's service account on EKS.
  z.object({ type: z.literal('Irsa'), ...credentialCommon }),
  z.object({
    type: z.literal('OidcAuthentication'),
    spec: z.object({ iamRoleArn: text('ARN of the role trusted for the OIDC provider', 2048) }),
    ...credentialCommon,
  }),
]);

const milliseconds = (description: string) => z.number().int().min(0).max(3_600_000).meta({ description });
const retryCount = z.number().int().min(0).max(100);
const jitterSpec = z.object({
  baseDelay: milliseconds('Base delay in milliseconds'),
  maxBackoffTime: milliseconds('Largest delay in milliseconds'),
  retryCount,
});

/** Overrides the AWS SDK's retry back-off for this connector's calls. */
const backOffStrategy = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('FixedDelayBackoffStrategy'),
    spec: z.object({ fixedBackoff: milliseconds('Delay between attempts in milliseconds'), retryCount }),
  }),
  z.object({ type: z.literal('EqualJitterBackoffStrategy'), spec: jitterSpec }),
  z.object({ type: z.literal('FullJitterBackoffStrategy'), spec: jitterSpec }),
]);

export const awsSpec = z
  .object({
    credential,
    awsSdkClientBackOffStrategyOverride: backOffStrategy.optional(),
    ...connectivityFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.credential.type === 'InheritFromDelegate' || spec.credential.type === 'Irsa') {
      requireDelegate(spec, ctx, `credential ${spec.credential.type} uses the delegate's AWS identity`);
    }
  });

export const awsConnector = defineConnectorType({
  type: 'Aws',
  displayName: 'AWS',
  category: 'Cloud',
  description: 'Amazon Web Services: ECR, S3, EKS, Lambda, ECS and other AWS APIs.',
  docsHint: 'The IAM policy needs ec2:DescribeRegions for the connection test, plus what the pipelines use.',
  authKinds: ['AccessKey', 'InheritFromDelegate', 'OidcFederation'],
  schema: awsSpec,
  operations: awsOperations,
});
