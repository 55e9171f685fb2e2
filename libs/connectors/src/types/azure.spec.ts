import { expectIssue, expectValid } from './spec-testing';

const application = {
  applicationId: '00000000-0000-0000-0000-000000000001',
  tenantId: '00000000-0000-0000-0000-000000000002',
};

describe('Azure', () => {
  it('accepts a client secret, a certificate, a managed identity and OIDC federation', () => {
    expectValid('Azure', {
      credential: {
        type: 'ManualConfig',
        spec: { ...application, auth: { type: 'Secret', spec: { secretRef: 'acr_secret' } } },
      },
      azureEnvironmentType: 'AZURE',
    });
    expectValid('Azure', {
      credential: {
        type: 'ManualConfig',
        spec: { ...application, auth: { type: 'Certificate', spec: { certificateRef: 'acr_cert' } } },
      },
    });
    expectValid('Azure', {
      credential: {
        type: 'InheritFromDelegate',
        spec: { auth: { type: 'UserAssignedManagedIdentity', spec: { clientId: 'abc' } } },
      },
      delegateSelectors: ['aks'],
    });
    expectValid('Azure', {
      credential: { type: 'OidcAuthentication', spec: { ...application, audience: 'api://AzureADTokenExchange' } },
    });
  });

  it('refuses a missing tenant and an unknown cloud', () => {
    expectIssue(
      'Azure',
      {
        credential: {
          type: 'ManualConfig',
          spec: { applicationId: 'a', auth: { type: 'Secret', spec: { secretRef: 's' } } },
        },
      },
      'spec.credential.spec.tenantId',
      'is required',
    );
    expectIssue(
      'Azure',
      { credential: { type: 'OidcAuthentication', spec: application }, azureEnvironmentType: 'AZURE_CHINA' },
      'spec.azureEnvironmentType',
    );
  });
});
