import { collectSecretRefs } from '../catalog';
import { expectIssue, expectValid } from './spec-testing';

const clientKeyCert = {
  credential: {
    type: 'ManualConfig',
    spec: {
      masterUrl: 'https://10.0.0.1:6443',
      auth: {
        type: 'ClientKeyCert',
        spec: {
          caCertRef: 'account.kube_ca',
          clientCertRef: 'org.kube_client_cert',
          clientKeyRef: 'account.kube_client_key',
          clientKeyAlgo: 'RSA',
        },
      },
    },
  },
};

describe('K8sCluster', () => {
  it('accepts each way of authenticating', () => {
    expectValid('K8sCluster', clientKeyCert);
    expectValid('K8sCluster', { credential: { type: 'InheritFromDelegate' }, delegateSelectors: ['in-cluster'] });
    const manual = (auth: Record<string, unknown>) => ({
      credential: { type: 'ManualConfig', spec: { masterUrl: 'https://k8s.example.com', auth } },
    });
    expectValid('K8sCluster', manual({ type: 'ServiceAccount', spec: { serviceAccountTokenRef: 'sa_token' } }));
    expectValid('K8sCluster', manual({ type: 'UsernamePassword', spec: { username: 'admin', passwordRef: 'k8s_pw' } }));
    expectValid(
      'K8sCluster',
      manual({
        type: 'OpenIdConnect',
        spec: {
          oidcIssuerUrl: 'https://login.example.com/oauth2/default',
          oidcUsername: 'admin',
          oidcClientIdRef: 'account.kubernetes',
          oidcPasswordRef: 'k8s_oidc_password',
          oidcSecretRef: 'org.secret',
          oidcScopes: 'openid,email',
        },
      }),
    );
  });

  it('lists the certificate references at their paths', () => {
    expect(collectSecretRefs('K8sCluster', clientKeyCert).map((use) => use.path)).toEqual([
      'spec.credential.spec.auth.spec.caCertRef',
      'spec.credential.spec.auth.spec.clientCertRef',
      'spec.credential.spec.auth.spec.clientKeyRef',
    ]);
  });

  it('refuses a master URL that is not a URL and a client certificate without its key', () => {
    const notUrl = structuredClone(clientKeyCert);
    notUrl.credential.spec.masterUrl = 'k8s master url';
    expectIssue('K8sCluster', notUrl, 'spec.credential.spec.masterUrl', 'http(s) URL');
    const { clientKeyRef: _omitted, ...withoutKey } = clientKeyCert.credential.spec.auth.spec;
    const noKey = structuredClone(clientKeyCert);
    noKey.credential.spec.auth.spec = withoutKey as typeof noKey.credential.spec.auth.spec;
    expectIssue('K8sCluster', noKey, 'spec.credential.spec.auth.spec.clientKeyRef', 'is required');
  });

  it('refuses inheriting from the delegate without naming the delegate', () => {
    expectIssue(
      'K8sCluster',
      { credential: { type: 'InheritFromDelegate' } },
      'spec.delegateSelectors',
      'name at least one',
    );
  });
});
