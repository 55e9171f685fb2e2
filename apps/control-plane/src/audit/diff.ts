import type { FieldChange, JsonValue } from './audit.entity';

function isPlainObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Field-level differences between two JSON documents, as dotted paths (`spec.url`). Arrays compare as
 * whole values: a changed selector list is one change, which is how a person reads it.
 */
export function diffFields(before: JsonValue | undefined, after: JsonValue | undefined, path = ''): FieldChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffFields(before[key], after[key], path ? `${path}.${key}` : key));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: path || '(root)', ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) }];
}

/** A plain JSON copy of a value (dates become strings), as stored in an audit record. */
export function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}
