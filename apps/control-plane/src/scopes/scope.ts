/** The three levels of the scope tree, as the connectors overview names them. */
export type ScopeLevel = 'account' | 'org' | 'project';

/** A resolved place in the scope tree: ids for queries, identifiers for messages and responses. */
export interface Scope {
  level: ScopeLevel;
  accountId: string;
  organizationId: string | null;
  projectId: string | null;
  accountIdentifier: string;
  orgIdentifier: string | null;
  projectIdentifier: string | null;
}

/** How a scope is named in messages: "project 'default/web'", "organization 'eng'", "account 'acme'". */
export function describeScope(scope: Scope): string {
  switch (scope.level) {
    case 'project':
      return `project '${scope.orgIdentifier}/${scope.projectIdentifier}'`;
    case 'org':
      return `organization '${scope.orgIdentifier}'`;
    case 'account':
      return `account '${scope.accountIdentifier}'`;
  }
}

/** The scope itself and every scope above it, nearest first. */
export function scopeChain(scope: Scope): Scope[] {
  const account: Scope = { ...scope, level: 'account', organizationId: null, projectId: null, orgIdentifier: null, projectIdentifier: null };
  if (scope.level === 'account') return [account];
  const org: Scope = { ...scope, level: 'org', projectId: null, projectIdentifier: null };
  if (scope.level === 'org') return [org, account];
  return [scope, org, account];
}

/** True when `outer` is `inner` or one of its ancestors. */
export function scopeContains(outer: Pick<Scope, 'accountId' | 'organizationId' | 'projectId'>, inner: Scope): boolean {
  if (outer.accountId !== inner.accountId) return false;
  if (outer.organizationId === null) return true;
  if (outer.organizationId !== inner.organizationId) return false;
  return outer.projectId === null || outer.projectId === inner.projectId;
}

/** The account a scope belongs to, as a scope of its own. */
export function accountScopeOf(scope: Scope): Scope {
  return { level: 'account', accountId: scope.accountId, organizationId: null, projectId: null, accountIdentifier: scope.accountIdentifier, orgIdentifier: null, projectIdentifier: null };
}

/** The wire form of a scope in API responses. */
export function scopeView(scope: Scope): { level: ScopeLevel; org: string | null; project: string | null } {
  return { level: scope.level, org: scope.orgIdentifier, project: scope.projectIdentifier };
}

/** How a resource at `target` is referenced from `from` (an ancestor or itself): `x`, `org.x` or `account.x`. */
export function refFrom(from: Scope, target: Scope, identifier: string): string {
  if (target.level === from.level) return identifier;
  return target.level === 'account' ? `account.${identifier}` : `org.${identifier}`;
}
