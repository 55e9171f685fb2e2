import { describeScope, Scope, scopeChain, scopeContains } from './scope';

const project: Scope = {
  level: 'project',
  accountId: 'a',
  organizationId: 'o',
  projectId: 'p',
  accountIdentifier: 'acme',
  orgIdentifier: 'eng',
  projectIdentifier: 'web',
};

describe('scope tree', () => {
  it('chains a project to its organization and account, nearest first', () => {
    expect(scopeChain(project).map(describeScope)).toEqual(["project 'eng/web'", "organization 'eng'", "account 'acme'"]);
  });

  it('lets an account or organization contain its projects, and nothing across branches', () => {
    expect(scopeContains({ accountId: 'a', organizationId: null, projectId: null }, project)).toBe(true);
    expect(scopeContains({ accountId: 'a', organizationId: 'o', projectId: null }, project)).toBe(true);
    expect(scopeContains({ accountId: 'a', organizationId: 'o', projectId: 'p' }, project)).toBe(true);
    expect(scopeContains({ accountId: 'a', organizationId: 'o', projectId: 'other' }, project)).toBe(false);
    expect(scopeContains({ accountId: 'a', organizationId: 'other', projectId: null }, project)).toBe(false);
    expect(scopeContains({ accountId: 'b', organizationId: null, projectId: null }, project)).toBe(false);
    const [, org] = scopeChain(project);
    expect(scopeContains({ accountId: 'a', organizationId: 'o', projectId: 'p' }, org as Scope)).toBe(false);
  });
});
