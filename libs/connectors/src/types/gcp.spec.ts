import { expectIssue, expectValid } from './spec-testing';

describe('Gcp', () => {
  it('accepts a key file, the delegate identity and workload identity federation', () => {
    expectValid('Gcp', {
      credential: { type: 'ManualConfig', spec: { secretKeyRef: 'gcp_key' } },
      executeOnDelegate: false,
    });
    expectValid('Gcp', { credential: { type: 'InheritFromDelegate' }, delegateSelectors: ['gke'] });
    expectValid('Gcp', {
      credential: {
        type: 'OidcAuthentication',
        spec: {
          workloadPoolId: 'conduit-pool',
          providerId: 'conduit',
          gcpProjectId: '123456789',
          serviceAccountEmail: 'deployer@acme.iam.gserviceaccount.com',
        },
      },
    });
  });

  it('refuses a key file without its reference and inheritance without a delegate', () => {
    expectIssue(
      'Gcp',
      { credential: { type: 'ManualConfig', spec: {} } },
      'spec.credential.spec.secretKeyRef',
      'is required',
    );
    expectIssue('Gcp', { credential: { type: 'InheritFromDelegate' } }, 'spec.delegateSelectors');
  });
});
