import { isPlainObject, type FieldPath } from './paths';

/**
 * Harness's documentation publishes YAML with blanks such as `<YOUR_TENANT_ID>` or `<Public Vault URL>` for the
 * reader to fill in. `<+…>` is different: a Harness runtime input or expression, never a literal value.
 */
const DOCUMENTATION_PLACEHOLDER = /^<(?!\+)[^<>]+>$/;

export function isPlaceholder(value: unknown): value is string {
  return typeof value === 'string' && DOCUMENTATION_PLACEHOLDER.test(value.trim());
}

export interface FoundPlaceholder {
  path: FieldPath;
  value: string;
}

export function findPlaceholders(value: unknown, path: FieldPath = []): FoundPlaceholder[] {
  if (isPlaceholder(value)) return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => findPlaceholders(item, [...path, index]));
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([key, child]) => findPlaceholders(child, [...path, key]));
  }
  return [];
}
