import type { ConnectorErrorEntry } from './connector.entity';

export interface MissingSecret {
  path: string;
  ref: string;
  message: string;
}

/**
 * A connector's errors with its "secret not found" entries replaced by `missing`, and the one-line
 * summary shown beside its status. Used when a connector is saved and when a secret appears or goes.
 */
export function withMissingSecrets(errors: ConnectorErrorEntry[], missing: MissingSecret[]): { errors: ConnectorErrorEntry[]; errorSummary: string | null } {
  const others = errors.filter((e) => e.code !== 'SECRET_NOT_FOUND');
  const all = [...others, ...missing.map((m) => ({ code: 'SECRET_NOT_FOUND', message: m.message, hint: `create the secret, or change ${m.path}` }))];
  const parts: string[] = [];
  if (missing.length === 1) parts.push((missing[0] as MissingSecret).message);
  if (missing.length > 1) parts.push(`${missing.length} secret references not found: ${missing.map((m) => m.ref).join(', ')}`);
  if (others.length === 1) parts.push((others[0] as ConnectorErrorEntry).message);
  if (others.length > 1) parts.push(`${others.length} other problems, first: ${(others[0] as ConnectorErrorEntry).message}`);
  return { errors: all, errorSummary: parts.length ? parts.join('; ') : null };
}
