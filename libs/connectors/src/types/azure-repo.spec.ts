import { expectIssue, expectValid } from './spec-testing';

const azureRepo = {
  url: 'https://dev.azure.com/acme/platform',
  type: 'Project',
  authentication: {
    type: 'Http',
    spec: { type: 'UsernameToken', spec: { username: 'ci-bot', tokenRef: 'azure_pat' } },
  },
  apiAccess: { type: 'Token', spec: { tokenRef: 'azure_pat' } },
};

describe('AzureRepo', () => {
  it('accepts a project-level connector with a PAT', () => {
    expectValid('AzureRepo', azureRepo);
  });

  it('uses Project|Repo, as Harness does for Azure Repos', () => {
    expectIssue('AzureRepo', { ...azureRepo, type: 'Account' }, 'spec.type', 'one of Project, Repo');
    const { type: _omitted, ...withoutType } = azureRepo;
    expectIssue('AzureRepo', withoutType, 'spec.type', 'is required');
  });
});
