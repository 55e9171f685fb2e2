import type { Role } from './auth.entities';

/** What a request may do. Checked against the caller's role bindings at the scope it acts on. */
export type Permission =
  | 'connector:view'
  | 'connector:use'
  | 'connector:edit'
  | 'connector:view-credentials'
  /** Let a platform-mode connector reach private addresses: checked at account scope (the control plane's network). */
  | 'connector:allow-private-networks'
  | 'secret:view'
  | 'secret:edit'
  | 'delegate:view'
  | 'delegate:edit'
  | 'pipeline:view'
  | 'pipeline:edit'
  | 'pipeline:run'
  | 'scope:view'
  | 'scope:edit'
  | 'access:edit'
  | 'audit:view'
  | 'alert:view'
  | 'alert:edit';

const VIEWER: Permission[] = ['connector:view', 'secret:view', 'delegate:view', 'pipeline:view', 'scope:view', 'alert:view'];
const DEVELOPER: Permission[] = [...VIEWER, 'connector:use', 'pipeline:edit', 'pipeline:run'];
const ADMIN: Permission[] = [
  ...DEVELOPER,
  'connector:edit',
  'connector:view-credentials',
  'connector:allow-private-networks',
  'secret:edit',
  'delegate:edit',
  'scope:edit',
  'access:edit',
  'audit:view',
  'alert:edit',
];

/**
 * The roles of the issue: admin manages connectors and secrets; developer views and uses connectors in
 * pipelines but cannot edit them or see their credential references; viewer only looks.
 */
export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  viewer: new Set(VIEWER),
  developer: new Set(DEVELOPER),
  admin: new Set(ADMIN),
};
