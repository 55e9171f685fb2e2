import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { vaultOperations } from '../operations/secret-managers';
import { connectivityFields, httpUrl, requireDelegate, serverTrustFields, text } from '../schema/fields';
import { secretRef } from '../schema/references';

export const VAULT_ACCESS_TYPES = ['TOKEN', 'APP_ROLE', 'VAULT_AGENT', 'AWS_IAM', 'K8s_AUTH'] as const;
export type VaultAccessType = (typeof VAULT_ACCESS_TYPES)[number];

const vaultFields = z.object({
  vaultUrl: httpUrl('e.g. https://vault.internal:8200'),
  basePath: text('Path under the secret engine where Conduit reads and writes', 1024).optional(),
  namespace: text('Vault Enterprise namespace').optional(),
  accessType: z.enum(VAULT_ACCESS_TYPES).optional(),
  authToken: secretRef('Reference to a Vault token (TOKEN)').optional(),
  appRoleId: text('AppRole role id (APP_ROLE)').optional(),
  secretId: secretRef('Reference to the AppRole secret id (APP_ROLE)').optional(),
  renewAppRoleToken: z.boolean().optional(),
  useVaultAgent: z.boolean().optional(),
  sinkPath: text('File where the Vault Agent on the delegate host writes its token (VAULT_AGENT)', 1024).optional(),
  useAwsIam: z.boolean().optional(),
  awsRegion: text('Region of the delegate’s AWS identity (AWS_IAM)', 64).optional(),
  vaultAwsIamRole: text('Vault role bound to the AWS identity (AWS_IAM)').optional(),
  xvaultAwsIamServerId: secretRef('Reference to the X-Vault-AWS-IAM-Server-ID header value (AWS_IAM)').optional(),
  useK8sAuth: z.boolean().optional(),
  vaultK8sAuthRole: text('Vault role bound to the service account (K8s_AUTH)').optional(),
  serviceAccountTokenPath: text('Service account token file on the delegate (K8s_AUTH)', 1024).optional(),
  k8sAuthEndpoint: text('Mount path of the Kubernetes auth method (K8s_AUTH)', 1024).optional(),
  secretEngineName: text('Mount path of the KV secret engine, e.g. secret').optional(),
  secretEngineVersion: z.number().int().min(1).max(2).optional(),
  secretEngineManuallyConfigured: z.boolean().optional(),
  renewalIntervalMinutes: z.number().int().min(0).max(525_600).optional(),
  readOnly: z.boolean().optional(),
  ...connectivityFields,
  ...serverTrustFields,
});

type VaultFields = z.output<typeof vaultFields>;

/**
 * Harness decides the login method from the `use*` flags, falling back to AppRole when an appRoleId is set
 * and to a token otherwise; an explicit `accessType` must agree with the flags.
 */
export function vaultAccessType(spec: VaultFields): VaultAccessType {
  if (spec.accessType) return spec.accessType;
  if (spec.useVaultAgent) return 'VAULT_AGENT';
  if (spec.useAwsIam) return 'AWS_IAM';
  if (spec.useK8sAuth) return 'K8s_AUTH';
  return spec.appRoleId !== undefined ? 'APP_ROLE' : 'TOKEN';
}

const FLAG_OF: Partial<Record<VaultAccessType, 'useVaultAgent' | 'useAwsIam' | 'useK8sAuth'>> = {
  VAULT_AGENT: 'useVaultAgent',
  AWS_IAM: 'useAwsIam',
  K8s_AUTH: 'useK8sAuth',
};

const REQUIRED_FIELDS: Record<VaultAccessType, readonly (keyof VaultFields)[]> = {
  TOKEN: ['authToken'],
  APP_ROLE: ['appRoleId', 'secretId'],
  VAULT_AGENT: ['sinkPath'],
  AWS_IAM: ['vaultAwsIamRole', 'awsRegion'],
  K8s_AUTH: ['vaultK8sAuthRole', 'serviceAccountTokenPath'],
};

export const vaultSpec = vaultFields.superRefine((spec, ctx) => {
  const accessType = vaultAccessType(spec);
  for (const flag of ['useVaultAgent', 'useAwsIam', 'useK8sAuth'] as const) {
    if (spec[flag] && FLAG_OF[accessType] !== flag) {
      ctx.addIssue({ code: 'custom', path: [flag], message: `cannot be true with access type ${accessType}` });
    }
  }
  for (const field of REQUIRED_FIELDS[accessType]) {
    if (spec[field] === undefined) {
      ctx.addIssue({ code: 'custom', path: [field], message: `is required for access type ${accessType}` });
    }
  }
  if (FLAG_OF[accessType]) requireDelegate(spec, ctx, `access type ${accessType} logs in with the delegate's identity`);
});

export const vaultConnector = defineConnectorType({
  type: 'Vault',
  displayName: 'HashiCorp Vault',
  category: 'SecretManager',
  description: 'HashiCorp Vault KV secret engine, read by the delegate inside the private network.',
  docsHint: 'The policy needs read (and write, unless readOnly) on the engine path.',
  authKinds: ['HttpToken', 'AppRole', 'InheritFromDelegate'],
  schema: vaultSpec,
  operations: vaultOperations((spec) => vaultAccessType(spec as VaultFields)),
});
