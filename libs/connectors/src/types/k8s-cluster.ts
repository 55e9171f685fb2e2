import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { kubernetesOperations } from '../operations/kubernetes';
import { clientCertificateFields, usernamePasswordSpec } from '../schema/auth';
import { connectivityFields, httpUrl, requireDelegate, requireOneOf, text } from '../schema/fields';
import { secretRef } from '../schema/references';

const auth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('UsernamePassword'), spec: usernamePasswordSpec }),
  z.object({
    type: z.literal('ClientKeyCert'),
    spec: z.object({
      ...clientCertificateFields,
      clientKeyAlgo: text('Algorithm of the client key, typically RSA', 32).optional(),
    }),
  }),
  z.object({
    type: z.literal('ServiceAccount'),
    spec: z.object({
      serviceAccountTokenRef: secretRef('Reference to the service account token'),
      caCertRef: secretRef("Reference to the cluster's CA certificate").optional(),
    }),
  }),
  z.object({
    type: z.literal('OpenIdConnect'),
    spec: z
      .object({
        oidcIssuerUrl: httpUrl('Issuer URL of the identity provider'),
        oidcUsername: text('User name at the identity provider').optional(),
        oidcUsernameRef: secretRef('Reference to a secret holding the user name').optional(),
        oidcClientIdRef: secretRef('Reference to the client id'),
        oidcPasswordRef: secretRef("Reference to the user's password"),
        oidcSecretRef: secretRef('Reference to the client secret').optional(),
        oidcScopes: text('Comma-separated scopes', 1024).optional(),
      })
      .superRefine((spec, ctx) => requireOneOf(spec, ctx, 'oidcUsername', 'oidcUsernameRef')),
  }),
]);

const credential = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ManualConfig'),
    spec: z.object({ masterUrl: httpUrl('API server URL, e.g. https://10.0.0.1:6443'), auth }),
  }),
  // The service account of a delegate running inside the cluster.
  z.object({ type: z.literal('InheritFromDelegate') }),
]);

export const k8sClusterSpec = z.object({ credential, ...connectivityFields }).superRefine((spec, ctx) => {
  if (spec.credential.type === 'InheritFromDelegate') {
    requireDelegate(spec, ctx, 'credential InheritFromDelegate uses the service account of a delegate in the cluster');
  }
});

export const k8sClusterConnector = defineConnectorType({
  type: 'K8sCluster',
  displayName: 'Kubernetes Cluster',
  category: 'Cloud',
  description: 'Any Kubernetes cluster: deploy manifests and Helm charts, read cluster state.',
  docsHint: 'A delegate inside the cluster needs no credentials here; otherwise a service account token is typical.',
  authKinds: ['HttpBasic', 'ClientCertificate', 'HttpToken', 'OpenIdConnect', 'InheritFromDelegate'],
  schema: k8sClusterSpec,
  operations: kubernetesOperations,
});
