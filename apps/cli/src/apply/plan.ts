import { parseHarnessConnectorYaml, validateConnectorSpec, type ImportedConnector } from '@conduit/connectors';
import { formatDuration, parseDuration } from '@conduit/pipeline';
import YAML from 'yaml';
import { z } from 'zod';
import type { AlertRuleView, ConnectorView, SecretView } from '../api/views';
import { CliError } from '../errors';
import { unifiedDiff } from './diff';
import type { SourceDocument } from './documents';

/** What applying one document would do; `reason` explains a `blocked` one (exit code 1), `outcome` names its state. */
export type Action = 'create' | 'update' | 'unchanged' | 'blocked';

export interface Comparison {
  action: Action;
  diff: string[];
  reason?: string;
  outcome?: 'unchanged' | 'not created' | 'not updated';
}

/** YAML with sorted keys: two documents with the same content print the same. */
export const canonical = (value: unknown): string => YAML.stringify(value, { sortMapEntries: true, lineWidth: 0 });

function compare(label: string, current: unknown | undefined, desired: unknown): Comparison {
  if (current === undefined) return { action: 'create', diff: unifiedDiff('', canonical(desired), { before: '/dev/null', after: label }) };
  const diff = unifiedDiff(canonical(current), canonical(desired), { before: `${label} (control plane)`, after: `${label} (file)` });
  return { action: diff.length ? 'update' : 'unchanged', diff };
}

// --- connectors ------------------------------------------------------------------------------------

/** A Harness `connector:` document read as the JSON shape the API stores, or the fields that prevent it. */
export function readConnector(document: SourceDocument): ImportedConnector {
  const parsed = parseHarnessConnectorYaml(document.text);
  if (!parsed.ok) {
    throw new CliError([`${document.source}: not a connector conduit can apply:`, ...parsed.errors.map((e) => `  ${e.path || '(document)'}: ${e.message}`)].join('\n'));
  }
  return parsed.connector;
}

/** A spec as the API validates it (defaults filled, unknown fields dropped), so stored and filed specs compare fairly. */
function normalizedSpec(type: string, spec: Record<string, unknown>): Record<string, unknown> {
  const validation = validateConnectorSpec(type, spec);
  return validation.ok ? validation.spec : spec;
}

export interface ConnectorShape {
  identifier: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  type: string;
  spec: Record<string, unknown>;
}

export function connectorShape(source: ImportedConnector | ConnectorView): ConnectorShape {
  return {
    identifier: source.identifier,
    name: source.name,
    description: source.description ?? '',
    tags: source.tags ?? {},
    type: source.type,
    spec: normalizedSpec(source.type, source.spec),
  };
}

export function compareConnector(current: ConnectorView | undefined, desired: ImportedConnector): Comparison {
  if (current && current.type.toLowerCase() !== desired.type.toLowerCase()) {
    return { action: 'blocked', outcome: 'not updated', diff: [], reason: `the file says type ${desired.type} but the connector is a ${current.type}, and a connector's type cannot change; delete it first or use another identifier` };
  }
  return compare(`connector/${desired.identifier}`, current && connectorShape(current), connectorShape(desired));
}

// --- secrets -----------------------------------------------------------------------------------------

const Reference = z.object({ manager: z.string().min(1), path: z.string().min(1), key: z.string().min(1).optional(), version: z.string().min(1).optional() }).strict();

/** A secret document: metadata only. A value is never read from a file; references to external managers are. */
export const SecretDocument = z
  .object({
    identifier: z.string().min(1),
    name: z.string().min(1).optional(),
    kind: z.enum(['text', 'file', 'ssh-key', 'certificate', 'reference']).default('text'),
    description: z.string().default(''),
    tags: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]).transform((v) => (v === null ? '' : String(v)))).default({}),
    reference: Reference.optional(),
  })
  .strict();
export type SecretDocument = z.infer<typeof SecretDocument>;

const VALUE_FIELDS = ['value', 'values', 'data', 'stringData', 'spec', 'sealed', 'base64', 'privateKey', 'passphrase', 'certificate'];

export function readSecret(document: SourceDocument): SecretDocument & { name: string } {
  const body = document.data['secret'];
  const fields = typeof body === 'object' && body !== null ? Object.keys(body) : [];
  const valueField = fields.find((f) => VALUE_FIELDS.includes(f));
  if (valueField) {
    throw new CliError(
      `${document.source}: secret.${valueField}: secret documents carry metadata only; a value is never read from a file in plaintext. Set it with: conduit secret create ID --from-file FILE (sealed on this machine)`,
    );
  }
  const parsed = SecretDocument.safeParse(body);
  if (!parsed.success) {
    throw new CliError([`${document.source}: not a secret document:`, ...parsed.error.issues.map((i) => `  secret.${i.path.join('.')}: ${i.message}`)].join('\n'));
  }
  if (parsed.data.kind === 'reference' && !parsed.data.reference) throw new CliError(`${document.source}: secret.reference: a secret of kind 'reference' needs reference {manager, path, key?}`);
  if (parsed.data.kind !== 'reference' && parsed.data.reference) throw new CliError(`${document.source}: secret.reference: only secrets of kind 'reference' have one`);
  return { ...parsed.data, name: parsed.data.name ?? parsed.data.identifier };
}

const secretMetadata = (s: { name: string; kind: string; description: string; tags: Record<string, string> }) => ({ name: s.name, kind: s.kind, description: s.description, tags: s.tags });

export function compareSecret(current: SecretView | undefined, desired: SecretDocument & { name: string }): Comparison {
  const label = `secret/${desired.identifier}`;
  if (!current) {
    const comparison = compare(label, undefined, { identifier: desired.identifier, ...secretMetadata(desired), ...(desired.reference ? { reference: desired.reference } : {}) });
    if (desired.kind === 'reference') return comparison;
    return {
      ...comparison,
      action: 'blocked',
      outcome: 'not created',
      reason: `it does not exist, and apply never creates a secret's value from a file: run conduit secret create ${desired.identifier} --kind ${desired.kind === 'file' ? 'file' : 'text'} --from-file FILE (the value is sealed on this machine), then apply again`,
    };
  }
  const metadata = compare(label, secretMetadata(current), secretMetadata(desired));
  if (metadata.action !== 'unchanged') {
    const fields = (['name', 'kind', 'description', 'tags'] as const).filter((f) => canonical(secretMetadata(current)[f]) !== canonical(secretMetadata(desired)[f]));
    return {
      action: 'blocked',
      outcome: 'unchanged',
      diff: metadata.diff,
      reason: `its ${fields.join(', ')} differ${fields.length === 1 ? 's' : ''} from the file, and a secret's metadata cannot be changed through the API (delete and re-create the secret to change it)`,
    };
  }
  if (desired.reference) {
    const currentReference = current.versions?.find((v) => v.version === current.version)?.reference;
    return compare(label, { reference: currentReference ?? null }, { reference: desired.reference });
  }
  return metadata;
}

// --- pipelines ---------------------------------------------------------------------------------------

export function pipelineIdentifier(document: SourceDocument): string {
  const pipeline = document.data['pipeline'] as Record<string, unknown> | null;
  const identifier = pipeline && typeof pipeline === 'object' ? pipeline['identifier'] : undefined;
  if (typeof identifier !== 'string' || identifier === '') throw new CliError(`${document.source}: pipeline.identifier: required to apply a pipeline (it names the stored pipeline)`);
  return identifier;
}

/** Pipelines compare by content (comments and layout aside); a change is shown as a diff of the stored and filed text. */
export function comparePipeline(currentYaml: string | undefined, document: SourceDocument, identifier: string): Comparison {
  const label = `pipeline/${identifier}`;
  if (currentYaml === undefined) return { action: 'create', diff: unifiedDiff('', document.text, { before: '/dev/null', after: label }) };
  if (canonical(YAML.parse(currentYaml)) === canonical(document.data)) return { action: 'unchanged', diff: [] };
  return { action: 'update', diff: unifiedDiff(currentYaml, document.text, { before: `${label} (control plane)`, after: `${label} (file)` }) };
}

// --- alert rules -------------------------------------------------------------------------------------

/**
 * An `alertRule:` document, in the API's JSON shape. Only what apply needs is checked here; the control plane
 * validates the rest (and every connector the rule names) and its answer names the field.
 */
export const AlertRuleDocument = z
  .object({
    identifier: z.string().min(1),
    name: z.string().min(1).optional(),
    description: z.string().default(''),
    enabled: z.boolean().default(true),
    condition: z.object({ type: z.string().min(1) }).passthrough(),
    notify: z.array(z.string()).min(1),
    cooldown: z.string().default('15m'),
  })
  .strict();
export type AlertRuleDocument = z.infer<typeof AlertRuleDocument> & { name: string };

export function readAlertRule(document: SourceDocument): AlertRuleDocument {
  const parsed = AlertRuleDocument.safeParse(document.data['alertRule']);
  if (!parsed.success) {
    throw new CliError([`${document.source}: not an alert rule document:`, ...parsed.error.issues.map((i) => `  ${['alertRule', ...i.path].join('.')}: ${i.message}`)].join('\n'));
  }
  return { ...parsed.data, name: parsed.data.name ?? parsed.data.identifier };
}

/** The lists a condition may leave out, filled in as the control plane stores them. */
const CONDITION_LISTS: Record<string, string[]> = { ConnectorStatusChange: ['connectors', 'toStatus'], DelegateDisconnected: ['delegates'], PipelineFailed: ['pipelines'] };

/** A duration as the control plane writes it back ('900s' and '15m' are the same cooldown). */
const sameDuration = (text: string) => {
  const parsed = parseDuration(text);
  return parsed.ok ? formatDuration(parsed.ms) : text;
};

function alertRuleShape(rule: AlertRuleDocument | AlertRuleView) {
  const condition: Record<string, unknown> = { ...rule.condition };
  for (const list of CONDITION_LISTS[String(condition['type'])] ?? []) condition[list] ??= [];
  return { identifier: rule.identifier, name: rule.name, description: rule.description, enabled: rule.enabled, condition, notify: rule.notify, cooldown: sameDuration(rule.cooldown) };
}

export function compareAlertRule(current: AlertRuleView | undefined, desired: AlertRuleDocument): Comparison {
  return compare(`alertRule/${desired.identifier}`, current && alertRuleShape(current), alertRuleShape(desired));
}

/** The body the API takes for a rule read from a file. */
export function alertRuleBody(rule: AlertRuleDocument) {
  const { identifier, name, description, enabled, condition, notify, cooldown } = rule;
  return { identifier, name, description, enabled, condition, notify, cooldown };
}
