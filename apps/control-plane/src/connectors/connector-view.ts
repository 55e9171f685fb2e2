import type { Scope } from '../scopes/scope';
import { refFrom, scopeView } from '../scopes/scope';
import type { ConnectorEntity } from './connector.entity';

export const REDACTED = '<redacted>';

/** Replaces the value at each dotted path (`spec.auth.spec.passwordRef`) of a copy of `spec`. */
function redactPaths(spec: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const copy = structuredClone(spec);
  for (const path of paths) {
    const keys = path.split('.').slice(1); // drop the leading `spec`
    let node: unknown = copy;
    for (const key of keys.slice(0, -1)) node = (node as Record<string, unknown> | undefined)?.[key];
    const last = keys[keys.length - 1];
    if (node && typeof node === 'object' && last && last in node) (node as Record<string, unknown>)[last] = REDACTED;
  }
  return copy;
}

/**
 * A connector as the API shows it. Credentials are only ever references; callers without
 * connector:view-credentials (developers, viewers) do not even see which secrets it uses.
 */
export function connectorView(entity: ConnectorEntity, scope: Scope, from: Scope, showCredentials: boolean) {
  return {
    id: entity.id,
    identifier: entity.identifier,
    ref: refFrom(from, scope, entity.identifier),
    name: entity.name,
    description: entity.description,
    type: entity.type,
    category: entity.category,
    scope: scopeView(scope),
    spec: showCredentials ? entity.spec : redactPaths(entity.spec, entity.secretRefs.map((r) => r.path)),
    secretRefs: showCredentials ? entity.secretRefs : entity.secretRefs.map((r) => ({ path: r.path, ref: REDACTED })),
    tags: entity.tags,
    delegateSelectors: entity.delegateSelectors,
    connectivity: entity.connectivity,
    status: entity.status,
    errorSummary: entity.errorSummary,
    errors: entity.errors,
    lastTestedAt: entity.lastTestedAt,
    lastConnectedAt: entity.lastConnectedAt,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
    createdBy: entity.createdBy,
    updatedBy: entity.updatedBy,
    version: entity.version,
  };
}

export type ConnectorView = ReturnType<typeof connectorView>;
