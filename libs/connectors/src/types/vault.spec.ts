import { getConnectorType } from '../catalog';
import { expectIssue, expectValid } from './spec-testing';

const token = {
  vaultUrl: 'https://vault.internal:8200',
  authToken: 'vault_token',
  secretEngineName: 'secret',
  secretEngineVersion: 2,
};

describe('Vault', () => {
  it('accepts a token, AppRole, and the delegate-side login methods', () => {
    expectValid('Vault', {
      ...token,
      accessType: 'TOKEN',
      basePath: 'conduit',
      namespace: 'admin',
      renewalIntervalMinutes: 0,
    });
    expectValid('Vault', {
      vaultUrl: 'https://vault.internal:8200',
      appRoleId: 'role-123',
      secretId: 'org.approle_secret',
    });
    expectValid('Vault', {
      vaultUrl: 'https://vault.internal:8200',
      useK8sAuth: true,
      vaultK8sAuthRole: 'conduit',
      serviceAccountTokenPath: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      delegateSelectors: ['in-cluster'],
    });
    expectValid('Vault', {
      vaultUrl: 'https://vault.internal:8200',
      accessType: 'VAULT_AGENT',
      useVaultAgent: true,
      sinkPath: '/vault/token',
      delegateSelectors: ['vault-agent'],
    });
  });

  it('requires the fields of the chosen login method', () => {
    expectIssue(
      'Vault',
      { vaultUrl: 'https://vault.internal:8200' },
      'spec.authToken',
      'required for access type TOKEN',
    );
    expectIssue('Vault', { vaultUrl: 'https://vault.internal:8200', appRoleId: 'r' }, 'spec.secretId', 'APP_ROLE');
    expectIssue(
      'Vault',
      { vaultUrl: 'https://vault.internal:8200', useAwsIam: true, vaultAwsIamRole: 'r', awsRegion: 'us-east-1' },
      'spec.delegateSelectors',
    );
  });

  it('refuses flags that contradict the access type, and an inline token', () => {
    expectIssue('Vault', { ...token, accessType: 'TOKEN', useK8sAuth: true }, 'spec.useK8sAuth', 'cannot be true');
    expectIssue('Vault', { ...token, authToken: 'hvs.CAESIJ' }, 'spec.authToken');
  });

  it('refuses a documentation placeholder as the URL', () => {
    expectIssue('Vault', { ...token, vaultUrl: '<Public Vault URL>' }, 'spec.vaultUrl', 'placeholder');
  });

  it('has a connection test and reads secrets', () => {
    expect(getConnectorType('Vault')?.operations?.readSecret).toBeInstanceOf(Function);
  });
});
