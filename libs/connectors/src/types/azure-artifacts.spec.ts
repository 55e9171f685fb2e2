import { collectSecretRefs } from '../catalog';
import { expectIssue, expectValid } from './spec-testing';

const azureArtifacts = {
  azureArtifactsUrl: 'https://dev.azure.com/acme',
  auth: { spec: { type: 'PersonalAccessToken', spec: { tokenRef: 'azureartifactspat' } } },
};

describe('AzureArtifacts', () => {
  it("accepts Harness's auth block, whose kind sits under auth.spec", () => {
    expectValid('AzureArtifacts', azureArtifacts);
    expect(collectSecretRefs('AzureArtifacts', azureArtifacts)).toEqual([
      { path: 'spec.auth.spec.spec.tokenRef', ref: 'azureartifactspat' },
    ]);
  });

  it('refuses another credential kind', () => {
    expectIssue(
      'AzureArtifacts',
      { ...azureArtifacts, auth: { spec: { type: 'UsernamePassword', spec: {} } } },
      'spec.auth.spec.type',
      'PersonalAccessToken',
    );
  });
});
