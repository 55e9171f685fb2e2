import { z } from 'zod';
import { formatPath, isPlainObject, type FieldPath } from './paths';
import { isSecretRefSchema } from './references';

// Walks a spec value together with its zod schema. zod strips unknown keys silently and cannot say where a
// marked field sat, so this walk is how the catalog finds secret references (with their paths) and fields
// that the schema has no place for. Branches of a discriminated union are chosen by the discriminator alone,
// so the walk also works on a value that failed validation elsewhere.

type Schema = z.core.$ZodType;

export interface SpecVisitor {
  /** A string in a field marked with secretRef(); called whether or not the string is a valid reference. */
  secretRef?(path: FieldPath, value: string): void;
  /** A key of an object that the schema's matching object does not declare. */
  unknownField?(path: FieldPath): void;
}

export function walkSpec(schema: Schema, value: unknown, visitor: SpecVisitor, path: FieldPath = []): void {
  if (isSecretRefSchema(schema)) {
    if (typeof value === 'string') visitor.secretRef?.(path, value);
    return;
  }
  const inner = unwrap(schema);
  if (inner !== schema) return walkSpec(inner, value, visitor, path);

  if (schema instanceof z.ZodObject) {
    if (!isPlainObject(value)) return;
    const shape: Record<string, Schema> = schema.shape;
    for (const [key, child] of Object.entries(value)) {
      const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
      if (field) walkSpec(field, child, visitor, [...path, key]);
      else visitor.unknownField?.([...path, key]);
    }
    return;
  }
  if (schema instanceof z.ZodArray) {
    if (Array.isArray(value)) value.forEach((item, index) => walkSpec(schema.element, item, visitor, [...path, index]));
    return;
  }
  if (schema instanceof z.ZodRecord) {
    if (isPlainObject(value)) {
      for (const [key, child] of Object.entries(value)) walkSpec(schema.valueType, child, visitor, [...path, key]);
    }
    return;
  }
  if (schema instanceof z.ZodUnion) {
    const option = matchingOption(schema, value);
    if (option) walkSpec(option, value, visitor, path);
  }
}

/** Every path where a secret reference may sit in values of `schema`; array items appear as `[]`. */
export function secretRefPathsOf(schema: Schema, prefix: FieldPath = []): string[] {
  const found = new Set<string>();
  collectPaths(schema, prefix.length ? formatPath(prefix) : '', found);
  return [...found];
}

function collectPaths(schema: Schema, path: string, found: Set<string>): void {
  if (isSecretRefSchema(schema)) {
    found.add(path);
    return;
  }
  const inner = unwrap(schema);
  if (inner !== schema) return collectPaths(inner, path, found);
  if (schema instanceof z.ZodObject) {
    const shape: Record<string, Schema> = schema.shape;
    for (const [key, child] of Object.entries(shape)) collectPaths(child, path ? `${path}.${key}` : key, found);
  } else if (schema instanceof z.ZodArray) {
    collectPaths(schema.element, `${path}[]`, found);
  } else if (schema instanceof z.ZodRecord) {
    collectPaths(schema.valueType, `${path}.*`, found);
  } else if (schema instanceof z.ZodUnion) {
    for (const option of schema.options) collectPaths(option, path, found);
  }
}

/** The schema inside wrappers that do not change the shape of the value. */
function unwrap(schema: Schema): Schema {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return schema.unwrap();
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodReadonly) return schema.unwrap();
  if (schema instanceof z.ZodPipe) return schema.in;
  return schema;
}

function matchingOption(union: z.ZodUnion, value: unknown): Schema | undefined {
  if (union instanceof z.ZodDiscriminatedUnion) {
    const discriminator: string = union.def.discriminator;
    if (!isPlainObject(value)) return undefined;
    return union.options.find(
      (option) =>
        option instanceof z.ZodObject &&
        Object.hasOwn(option.shape, discriminator) &&
        z.safeParse(option.shape[discriminator], value[discriminator]).success,
    );
  }
  return union.options.find((option) => z.safeParse(option, value).success);
}
