/**
 * Forms from the connector catalog's JSON Schemas (zod's toJSONSchema output): a schema becomes a tree of
 * fields, the form edits a plain value at each field's path, and `pruneEmpty` turns what was typed into the
 * spec the API validates (the API stays the judge; its errors name the same paths).
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  description?: string;
  default?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  /** Set by libs/connectors on fields that hold a secret reference (`passwordRef`, `tokenRef` …). */
  'x-conduit-secret-ref'?: boolean;
}

export type Path = ReadonlyArray<string | number>;

interface FieldBase {
  /** Where the value sits in the spec. */
  path: Path;
  label: string;
  description?: string;
  required: boolean;
}

export type Field =
  | (FieldBase & {
      kind: 'text';
      secretRef: boolean;
      format?: string;
      pattern?: string;
      maxLength?: number;
      default?: string;
    })
  | (FieldBase & { kind: 'number'; integer: boolean; minimum?: number; maximum?: number; default?: number })
  | (FieldBase & { kind: 'boolean'; default?: boolean })
  | (FieldBase & { kind: 'enum'; options: string[]; default?: string })
  | (FieldBase & { kind: 'object'; fields: Field[] })
  /** A discriminated union (`type: 'Http' | 'Ssh'` …): pick a branch, then fill in its fields. */
  | (FieldBase & { kind: 'choice'; discriminator: string; options: ChoiceOption[] })
  /** Strings or numbers one per line (delegate selectors, host key fingerprints, status codes). */
  | (FieldBase & { kind: 'lines'; numeric: boolean })
  /** A list of objects (headers): add and remove rows. */
  | (FieldBase & { kind: 'rows'; item: JsonSchema })
  /** `key=value` per line. */
  | (FieldBase & { kind: 'map' })
  /** Anything the generator has no widget for: edited as JSON. */
  | (FieldBase & { kind: 'json' });

export interface ChoiceOption {
  value: string;
  /** The branch's other fields, paths relative to the union's own value. */
  fields: Field[];
}

/** "validationRepo" → "Validation repo". */
export function labelOf(key: string): string {
  const words = key
    .replace(/Ref$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (schema.$ref?.startsWith('#/$defs/')) return resolve(root.$defs?.[schema.$ref.slice(8)] ?? {}, root);
  if (schema.allOf?.length === 1 && schema.allOf[0])
    return { ...resolve(schema.allOf[0], root), description: schema.description ?? schema.allOf[0].description };
  return schema;
}

const typeOf = (schema: JsonSchema) =>
  Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;

/** The union's discriminator: a property every branch fixes to a different constant. */
function discriminatorOf(branches: JsonSchema[]): string | undefined {
  const first = branches[0]?.properties ?? {};
  return Object.keys(first).find((key) => {
    const values = branches.map((b) => b.properties?.[key]?.const);
    return values.every((v) => typeof v === 'string') && new Set(values).size === values.length;
  });
}

/**
 * The fields of an object schema, paths under `at`. A schema that is itself a union (the Git connector's
 * spec is one object per auth type) becomes a single choice at `at`.
 */
export function fieldsOf(schema: JsonSchema, at: Path = [], root: JsonSchema = schema): Field[] {
  const object = resolve(schema, root);
  if (!object.properties && (object.oneOf ?? object.anyOf)) {
    const union = fieldOf('type', object, true, at, root);
    return union ? [union] : [];
  }
  const required = new Set(object.required ?? []);
  return Object.entries(object.properties ?? {}).flatMap(([key, property]) => {
    const field = fieldOf(key, property, required.has(key), [...at, key], root);
    return field ? [field] : [];
  });
}

function fieldOf(key: string, raw: JsonSchema, required: boolean, path: Path, root: JsonSchema): Field | undefined {
  const schema = resolve(raw, root);
  const base = {
    path,
    label: labelOf(key),
    required,
    ...(schema.description ? { description: schema.description } : {}),
  };
  if (schema.const !== undefined) return undefined; // fixed by the branch that was picked
  const branches = (schema.oneOf ?? schema.anyOf)?.map((b) => resolve(b, root));
  if (branches?.length) {
    const objects = branches.filter((b) => typeOf(b) === 'object' || b.properties);
    const discriminator = objects.length === branches.length ? discriminatorOf(objects) : undefined;
    if (discriminator) {
      return {
        ...base,
        kind: 'choice',
        discriminator,
        options: objects.map((b) => ({
          value: String(b.properties?.[discriminator]?.const),
          fields: fieldsOf(b, path, root),
        })),
      };
    }
    const literals = branches.map((b) => b.const);
    if (literals.every((v) => typeof v === 'string')) return { ...base, kind: 'enum', options: literals as string[] };
    return { ...base, kind: 'json' };
  }
  if (schema.enum?.every((v) => typeof v === 'string')) {
    return {
      ...base,
      kind: 'enum',
      options: schema.enum as string[],
      ...(typeof schema.default === 'string' ? { default: schema.default } : {}),
    };
  }
  switch (typeOf(schema)) {
    case 'string':
      return {
        ...base,
        kind: 'text',
        secretRef: schema['x-conduit-secret-ref'] === true,
        ...(schema.format ? { format: schema.format } : {}),
        ...(schema.pattern ? { pattern: schema.pattern } : {}),
        ...(schema.maxLength ? { maxLength: schema.maxLength } : {}),
        ...(typeof schema.default === 'string' ? { default: schema.default } : {}),
      };
    case 'integer':
    case 'number':
      return {
        ...base,
        kind: 'number',
        integer: typeOf(schema) === 'integer',
        ...(schema.minimum !== undefined ? { minimum: schema.minimum } : {}),
        ...(schema.maximum !== undefined ? { maximum: schema.maximum } : {}),
        ...(typeof schema.default === 'number' ? { default: schema.default } : {}),
      };
    case 'boolean':
      return { ...base, kind: 'boolean', ...(typeof schema.default === 'boolean' ? { default: schema.default } : {}) };
    case 'array': {
      const item = resolve(schema.items ?? {}, root);
      const itemType = typeOf(item);
      if (itemType === 'string' || itemType === 'integer' || itemType === 'number')
        return { ...base, kind: 'lines', numeric: itemType !== 'string' };
      if (itemType === 'object' && item.properties) return { ...base, kind: 'rows', item };
      return { ...base, kind: 'json' };
    }
    case 'object': {
      if (schema.properties) return { ...base, kind: 'object', fields: fieldsOf(schema, path, root) };
      const values =
        typeof schema.additionalProperties === 'object' ? resolve(schema.additionalProperties, root) : undefined;
      return values && typeOf(values) === 'string' ? { ...base, kind: 'map' } : { ...base, kind: 'json' };
    }
    default:
      return { ...base, kind: 'json' };
  }
}

export function getIn(value: unknown, path: Path): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** A copy of `value` with `next` at `path`, creating objects and arrays on the way. */
export function setIn(value: unknown, path: Path, next: unknown): unknown {
  if (path.length === 0) return next;
  const [key, ...rest] = path as [string | number, ...Path];
  const copy: Record<string | number, unknown> | unknown[] = Array.isArray(value)
    ? [...value]
    : value && typeof value === 'object'
      ? { ...(value as Record<string, unknown>) }
      : typeof key === 'number'
        ? []
        : {};
  (copy as Record<string | number, unknown>)[key] = setIn((copy as Record<string | number, unknown>)[key], rest, next);
  return copy;
}

/** Drops empty strings, empty objects and lists and undefined: an optional field left blank is absent. */
export function pruneEmpty(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(pruneEmpty).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).flatMap(([k, v]) => {
      const pruned = pruneEmpty(v);
      return pruned === undefined ? [] : [[k, pruned] as const];
    });
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  return value === '' || value === undefined || value === null ? undefined : value;
}

const SIMPLE = new Set<Field['kind']>(['text', 'number', 'boolean', 'enum', 'lines', 'map']);

/**
 * The value after picking another branch of a union: its discriminator set, and of what was typed only the
 * plain fields the new branch also has (a URL survives a switch from Http to Ssh; the old credentials do not).
 */
export function startBranch(
  field: Extract<Field, { kind: 'choice' }>,
  value: string,
  current: unknown,
): Record<string, unknown> {
  const option = field.options.find((o) => o.value === value);
  const kept = (option?.fields ?? []).filter((f) => SIMPLE.has(f.kind)).map((f) => f.path[f.path.length - 1]);
  const previous = current && typeof current === 'object' ? (current as Record<string, unknown>) : {};
  return {
    ...Object.fromEntries(
      kept.flatMap((k) => (k !== undefined && previous[k] !== undefined ? [[k, previous[k]]] : [])),
    ),
    [field.discriminator]: value,
  };
}

/** One value per line, blanks skipped; numeric lists keep what is not a number as typed, for the API to name. */
export function parseLines(text: string, numeric: boolean): Array<string | number> {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return numeric ? lines.map((line) => (Number.isFinite(Number(line)) ? Number(line) : line)) : lines;
}

/** `a=1\nb=2` ⇄ {a: '1', b: '2'}. */
export function parseMap(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const at = line.indexOf('=');
        return at < 0 ? [line, ''] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
      }),
  );
}

export function formatMap(value: unknown): string {
  return value && typeof value === 'object'
    ? Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join('\n')
    : '';
}
