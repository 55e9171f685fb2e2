import YAML from 'yaml';
import { z } from 'zod';
import {
  collectSecretRefs,
  getConnectorType,
  SUPPORTED_TYPES,
  unknownSpecFields,
  unsupportedTypeMessage,
  type ConnectorType,
  type SecretRefUse,
} from '../catalog';
import { connectivityOf, text } from '../schema/fields';
import { toFieldIssues, type FieldIssue } from '../schema/issues';
import { formatPath, isPlainObject, type FieldPath } from '../schema/paths';
import { findPlaceholders } from '../schema/placeholders';
import { identifier } from '../schema/references';

/** A field of an import that Conduit could not take, named by its path in the YAML document. */
export type ImportError = FieldIssue;

export interface ImportedConnector {
  name: string;
  identifier: string;
  description: string;
  tags: Record<string, string>;
  orgIdentifier?: string;
  projectIdentifier?: string;
  type: ConnectorType;
  /** The validated spec: everything the file had for this type, minus the fields in ignoredFields. */
  spec: Record<string, unknown>;
  /** Read from the spec (where Harness keeps them): delegates whose tags include all of these run the tasks. */
  delegateSelectors: string[];
  /** Connectivity mode: true through a delegate (Harness's default), false from the control plane. */
  executeOnDelegate: boolean;
  /** The spec's secret references; paths as collectSecretRefs gives them (`spec.…`). */
  secretRefs: SecretRefUse[];
  /** Document paths (`connector.spec.proxy`) of fields Conduit has no place for; they were not imported. */
  ignoredFields: string[];
  /**
   * Documentation blanks (`<YOUR_TENANT_ID>`) left in the file. The connector imports, but cannot work until
   * each is replaced; validateConnectorSpec rejects them.
   */
  placeholders: { path: string; value: string }[];
}

export type HarnessImportResult = { ok: true; connector: ImportedConnector } | { ok: false; errors: ImportError[] };

/** A connector file is a few hundred bytes; the cap keeps a hostile upload from costing the parser much. */
export const MAX_CONNECTOR_YAML_BYTES = 256 * 1024;
const MAX_ERRORS = 50;

/** Top-level keys of other Harness documents, to say what a misdirected file is. */
const OTHER_HARNESS_DOCUMENTS = [
  'pipeline',
  'template',
  'inputSet',
  'service',
  'environment',
  'infrastructureDefinition',
  'secret',
  'trigger',
];

const header = z
  .object({
    name: text('Display name', 128),
    identifier: identifier(),
    description: z.string().max(1024).optional(),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
    orgIdentifier: identifier().optional(),
    projectIdentifier: identifier().optional(),
  })
  .superRefine((connector, ctx) => {
    if (connector.projectIdentifier !== undefined && connector.orgIdentifier === undefined) {
      ctx.addIssue({ code: 'custom', path: ['orgIdentifier'], message: 'is required when projectIdentifier is set' });
    }
  });

/** Keys of `connector:` that Conduit reads; anything else there is reported as ignored. */
const HEADER_KEYS = new Set([...Object.keys(header.shape), 'type', 'spec']);

/**
 * Reads one Harness connector YAML document (`connector: {name, identifier, …, type, spec}`) into a Conduit
 * connector, or says which fields prevent it. Pure: nothing is stored, no secret is resolved.
 */
export function parseHarnessConnectorYaml(source: string): HarnessImportResult {
  if (Buffer.byteLength(source, 'utf8') > MAX_CONNECTOR_YAML_BYTES) {
    return failed([
      { path: '', message: `is larger than ${MAX_CONNECTOR_YAML_BYTES} bytes; a connector file is small` },
    ]);
  }
  const document = YAML.parseDocument(source, { uniqueKeys: true });
  if (document.errors.length > 0) return failed(document.errors.map((error) => yamlError(error, source)));

  let root: unknown;
  try {
    root = document.toJS({ maxAliasCount: 32 });
  } catch (error) {
    // Unresolved aliases and alias bombs surface only when the document is turned into data.
    return failed([{ path: '', message: `is not valid YAML: ${(error as Error).message}` }]);
  }
  if (!isPlainObject(root)) return failed([{ path: '', message: 'must be a mapping with a `connector` key' }]);
  const body = root['connector'];
  if (body === undefined) {
    const other = OTHER_HARNESS_DOCUMENTS.find((key) => key in root);
    return failed([
      { path: '', message: other ? `is a Harness ${other} document, not a connector` : 'has no `connector` key' },
    ]);
  }
  if (!isPlainObject(body)) return failed([{ path: 'connector', message: 'must be a mapping' }]);
  const ignoredFields = Object.keys(root).filter((key) => key !== 'connector');
  return importConnector(body, ignoredFields);
}

function importConnector(raw: Record<string, unknown>, ignoredRootKeys: string[]): HarnessImportResult {
  const templateErrors = findTemplateMarkers(raw, ['connector']);
  if (templateErrors.length > 0) return failed(templateErrors);

  const connector = normalizeHeader(raw);
  const errors: ImportError[] = [];
  const ignoredFields = [...ignoredRootKeys];

  const headerResult = header.safeParse(connector);
  if (!headerResult.success) errors.push(...toFieldIssues(headerResult.error.issues, connector, ['connector']));
  ignoredFields.push(
    ...Object.keys(connector)
      .filter((key) => !HEADER_KEYS.has(key))
      .map((key) => `connector.${key}`),
  );

  const type = connector['type'];
  const definition = typeof type === 'string' ? getConnectorType(type) : undefined;
  if (typeof type !== 'string' || type.length === 0) {
    errors.push({ path: 'connector.type', message: `is required: one of ${SUPPORTED_TYPES.join(', ')}` });
  } else if (!definition) {
    errors.push({ path: 'connector.type', message: unsupportedTypeMessage(type) });
  }

  const spec = connector['spec'];
  const placeholders = findPlaceholders(connector, ['connector']);
  let specIgnored: string[] = [];
  if (spec === undefined) {
    errors.push({ path: 'connector.spec', message: 'is required' });
  } else if (!isPlainObject(spec)) {
    errors.push({ path: 'connector.spec', message: 'must be a mapping' });
  } else if (definition) {
    const placeholderPaths = new Set(placeholders.map((found) => formatPath(found.path)));
    const result = definition.schema.safeParse(spec);
    if (!result.success) {
      // A format error on a documentation blank is expected: the blank is reported, not refused.
      const blocking = result.error.issues.filter(
        (issue) =>
          !(issue.code === 'invalid_format' && placeholderPaths.has(formatPath(['connector', 'spec', ...issue.path]))),
      );
      errors.push(...toFieldIssues(blocking, spec, ['connector', 'spec']));
    }
    specIgnored = unknownSpecFields(definition, spec);
    ignoredFields.push(...specIgnored.map((path) => `connector.spec.${path}`));
  }

  if (errors.length > 0 || !headerResult.success || !definition || !isPlainObject(spec)) return failed(errors);

  const importedSpec = withoutPaths(spec, specIgnored);
  const connectivity = connectivityOf(importedSpec);
  const { name, description, tags, orgIdentifier, projectIdentifier } = headerResult.data;
  return {
    ok: true,
    connector: {
      name,
      identifier: headerResult.data.identifier,
      description: description ?? '',
      tags: tags ?? {},
      ...(orgIdentifier !== undefined ? { orgIdentifier } : {}),
      ...(projectIdentifier !== undefined ? { projectIdentifier } : {}),
      type: definition.type,
      spec: importedSpec,
      delegateSelectors: connectivity.delegateSelectors,
      executeOnDelegate: connectivity.executeOnDelegate,
      secretRefs: collectSecretRefs(definition, importedSpec),
      ignoredFields,
      placeholders: placeholders.map((found) => ({ path: formatPath(found.path), value: found.value })),
    },
  };
}

/**
 * Harness writes absent values as `""` or `null` (`orgIdentifier: ""` at account scope, `description:` with
 * nothing after it), and key-only tags as `key: ""`. Those carry no value, so they become absent here; tag
 * values are text, so a YAML number or boolean there is read as its text.
 */
function normalizeHeader(raw: Record<string, unknown>): Record<string, unknown> {
  const { tags, ...rest } = raw;
  const connector = objectWithoutNulls(rest);
  for (const key of ['orgIdentifier', 'projectIdentifier']) {
    if (connector[key] === '') delete connector[key];
  }
  if (isPlainObject(tags)) {
    connector['tags'] = Object.fromEntries(
      Object.entries(tags).map(([key, value]) => [
        key,
        value === null ? '' : typeof value === 'number' || typeof value === 'boolean' ? String(value) : value,
      ]),
    );
  } else if (tags !== undefined && tags !== null) {
    connector['tags'] = tags;
  }
  return connector;
}

function objectWithoutNulls(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object)
      .filter(([, child]) => child !== null)
      .map(([key, child]) => [key, withoutNulls(child)]),
  );
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  return isPlainObject(value) ? objectWithoutNulls(value) : value;
}

/** A copy of `spec` without the fields at `paths` (as formatted by formatPath, relative to the spec). */
function withoutPaths(spec: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  const drop = new Set(paths);
  const copyObject = (object: Record<string, unknown>, path: FieldPath): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(object)
        .filter(([key]) => !drop.has(formatPath([...path, key])))
        .map(([key, child]) => [key, copy(child, [...path, key])]),
    );
  const copy = (value: unknown, path: FieldPath): unknown => {
    if (Array.isArray(value)) return value.map((item, index) => copy(item, [...path, index]));
    return isPlainObject(value) ? copyObject(value, path) : value;
  };
  return copyObject(spec, []);
}

/**
 * Templates are not connectors: a Harness runtime input or expression (`<+input>`), a `{{ }}` placeholder,
 * or `{NAME}` (which YAML reads as a mapping `{NAME: null}`) means the file still needs filling in.
 */
function findTemplateMarkers(value: unknown, path: FieldPath): ImportError[] {
  const at = formatPath(path);
  if (typeof value === 'string') {
    if (value.includes('<+')) {
      return [{ path: at, message: 'is a Harness runtime input or expression (<+…>); a connector needs a real value' }];
    }
    if (/\{\{.*\}\}/.test(value)) return [{ path: at, message: 'is a template placeholder ({{…}}); fill it in first' }];
    return [];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => findTemplateMarkers(item, [...path, index]));
  if (!isPlainObject(value)) return [];
  const keys = Object.keys(value);
  if (keys.length === 1 && value[keys[0] as string] === null && /^[A-Z][A-Z0-9_]*$/.test(keys[0] as string)) {
    return [{ path: at, message: `is a template placeholder ({${keys[0]}}); fill it in first` }];
  }
  return keys.flatMap((key) => findTemplateMarkers(value[key], [...path, key]));
}

const TEMPLATE_HINT = /\{\{[^}]*\}\}|<\+[^>]*>|\{[A-Z][A-Z0-9_]*\}/;

function yamlError(error: YAML.YAMLError, source: string): ImportError {
  const position = error.linePos?.[0];
  const where = position ? ` at line ${position.line}, column ${position.col}` : '';
  // The first line of the parser's message; the rest quotes the source, which is not repeated back.
  const reason = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  const placeholder = TEMPLATE_HINT.exec(source)?.[0];
  const hint = placeholder ? `; it looks like a template with unfilled placeholders such as ${placeholder}` : '';
  return { path: '', message: `is not valid YAML${where}: ${reason}${hint}` };
}

function failed(errors: ImportError[]): HarnessImportResult {
  const unique = new Map(errors.map((error) => [`${error.path}\u0000${error.message}`, error]));
  return { ok: false, errors: [...unique.values()].slice(0, MAX_ERRORS) };
}

/** The parts of a connector that its YAML document carries. */
export interface ConnectorDocument {
  name: string;
  identifier: string;
  description?: string;
  tags?: Record<string, string>;
  orgIdentifier?: string;
  projectIdentifier?: string;
  type: string;
  spec: Record<string, unknown>;
}

/** Writes a connector as Harness's document shape, which parseHarnessConnectorYaml reads back unchanged. */
export function stringifyConnectorYaml(connector: ConnectorDocument): string {
  const body: Record<string, unknown> = {
    name: connector.name,
    identifier: connector.identifier,
    description: connector.description ?? '',
    tags: connector.tags ?? {},
  };
  if (connector.orgIdentifier !== undefined) body['orgIdentifier'] = connector.orgIdentifier;
  if (connector.projectIdentifier !== undefined) body['projectIdentifier'] = connector.projectIdentifier;
  body['type'] = connector.type;
  body['spec'] = connector.spec;
  return YAML.stringify({ connector: body }, { lineWidth: 0 });
}
