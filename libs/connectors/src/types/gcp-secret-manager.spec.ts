import { getConnectorType } from '../catalog';
import { expectIssue, expectValid } from './spec-testing';

describe('GcpSecretManager', () => {
  it("accepts a key file, or the delegate's identity", () => {
    expectValid('GcpSecretManager', { credentialsRef: 'gcp_sm_key' });
    expectValid('GcpSecretManager', { assumeCredentialsOnDelegate: true, delegateSelectors: ['gke'] });
  });

  it('refuses neither and both', () => {
    expectIssue('GcpSecretManager', {}, 'spec.credentialsRef', 'is required');
    expectIssue(
      'GcpSecretManager',
      { assumeCredentialsOnDelegate: true, credentialsRef: 'k', delegateSelectors: ['gke'] },
      'spec.credentialsRef',
      'not used',
    );
  });

  it('takes an endpoint override, which must be an http(s) URL, and has a connection test', () => {
    expectValid('GcpSecretManager', { credentialsRef: 'gcp_sm_key', endpoint: 'https://secretmanager.p.googleapis.com' });
    expectIssue('GcpSecretManager', { credentialsRef: 'gcp_sm_key', endpoint: 'not a url' }, 'spec.endpoint');
    expect(getConnectorType('GcpSecretManager')?.operations?.test).toBeInstanceOf(Function);
  });
});
