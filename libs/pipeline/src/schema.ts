import { DelegateTag } from '@conduit/protocol';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { parseTimeout } from './duration';
import { PipelineErrorCode } from './errors';
import { parseSecretExpressions } from './expressions';
import { PIPELINE_LIMITS } from './limits';
import { FAILURE_ACTIONS, RETRY_ON, SHELLS, STAGE_TYPES, STEP_TYPES } from './model';
import { IDENTIFIER_PATTERN, quoteText, safeParseScopedRef } from './scoped-ref';

/**
 * The pipeline YAML, field by field, in the source document's shape (`deploy-to`, `timeout: 10m`).
 * Checks that need siblings (unique names, total counts) live in structure.ts, because zod skips a
 * refinement on a list as soon as any item in it is invalid, and those errors must still be reported.
 */

/** Extra data on custom issues: the error code, and for text values the line inside the value. */
export interface IssueParams {
  code: PipelineErrorCode;
  valueLine?: number;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Secrets reach steps as CONDUIT_SECRET_n; user variables must not collide with them. */
const RESERVED_ENV_PREFIX = 'CONDUIT_';
const ENTITY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function addIssue(ctx: z.RefinementCtx, message: string, params: IssueParams): void {
  ctx.addIssue({ code: 'custom', message, params });
}

/** Describes a YAML value for a message: "got a list". */
export function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return `the number ${value}`;
  return String(value);
}

/** A mapping with no unknown fields; a typo is reported instead of silently ignored. */
function mapping<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `allowed fields here are ${allowed}` : undefined),
  });
}

/** Discriminated by `type` (or `action`); an unknown value gets a message listing the allowed ones. */
function unknownKind(what: string, key: string, allowed: readonly string[]) {
  return (issue: { code: string; input?: unknown }) => {
    if (issue.code !== 'invalid_union') return undefined;
    const value =
      typeof issue.input === 'object' && issue.input !== null
        ? (issue.input as Record<string, unknown>)[key]
        : undefined;
    const choices = allowed.length === 1 ? `use ${allowed[0]}` : `use one of ${allowed.join(', ')}`;
    if (value === undefined) return `${what} is required: ${choices}`;
    return typeof value === 'string'
      ? `unknown ${what} '${value.slice(0, 64)}': ${choices}`
      : `${what} must be text, got ${describeValue(value)}: ${choices}`;
  };
}

function checkExpressions(text: string, ctx: z.RefinementCtx): void {
  for (const error of parseSecretExpressions(text).errors) {
    addIssue(ctx, error.message, { code: PipelineErrorCode.InvalidExpression, valueLine: error.line });
  }
}

const Name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(PIPELINE_LIMITS.maxNameLength, `must be at most ${PIPELINE_LIMITS.maxNameLength} characters`);

const Identifier = z.string().superRefine((identifier, ctx) => {
  if (!IDENTIFIER_PATTERN.test(identifier)) {
    addIssue(ctx, `${quoteText(identifier)} is not an identifier: a letter or _, then up to 127 letters, digits or _`, {
      code: PipelineErrorCode.InvalidValue,
    });
  }
});

/** Names of things defined elsewhere (service, environment, infrastructure). */
function entityName(what: string) {
  return z.string().superRefine((name, ctx) => {
    if (!ENTITY_NAME.test(name)) {
      addIssue(ctx, `${quoteText(name)} is not a valid ${what} name: use letters, digits and _ . - (at most 128)`, {
        code: PipelineErrorCode.InvalidValue,
      });
    }
  });
}

const ConnectorRef = z.string().superRefine((ref, ctx) => {
  const parsed = safeParseScopedRef(ref);
  if (!parsed.ok) addIssue(ctx, parsed.message, { code: PipelineErrorCode.InvalidReference });
});

const Repo = z
  .string()
  .regex(/^\S{1,512}$/, 'a repository is written without blanks, e.g. my-org/my-app')
  .refine((repo) => !repo.includes('<+'), 'expressions are evaluated only in env values and step commands');

/** Same shape and normalization as a delegate's tags, or a selector could never match. */
const DelegateSelectors = z
  .array(DelegateTag)
  .max(PIPELINE_LIMITS.maxSelectors, `at most ${PIPELINE_LIMITS.maxSelectors} delegate selectors`)
  .transform((selectors) => [...new Set(selectors)]);

const EnvName = z
  .string()
  .regex(ENV_NAME, 'environment variable names are a letter or _, then up to 127 letters, digits or _')
  .refine(
    (name) => !name.toUpperCase().startsWith(RESERVED_ENV_PREFIX),
    `names starting with ${RESERVED_ENV_PREFIX} are reserved for Conduit`,
  );

// YAML reads `PORT: 8080` as a number; a variable is text, so scalars are taken as their text.
const EnvValue = z.unknown().transform((value, ctx) => {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') {
    addIssue(ctx, `expected text, got ${describeValue(value)}`, { code: PipelineErrorCode.InvalidType });
    return z.NEVER;
  }
  if (value.length > PIPELINE_LIMITS.maxEnvValueLength) {
    addIssue(ctx, `must be at most ${PIPELINE_LIMITS.maxEnvValueLength} characters`, {
      code: PipelineErrorCode.LimitExceeded,
    });
    return z.NEVER;
  }
  checkExpressions(value, ctx);
  return value;
});

const Env = z
  .record(EnvName, EnvValue)
  .refine(
    (env) => Object.keys(env).length <= PIPELINE_LIMITS.maxEnvVars,
    `at most ${PIPELINE_LIMITS.maxEnvVars} environment variables per level`,
  );

const Timeout = z.unknown().transform((value, ctx) => {
  if (typeof value === 'number') {
    addIssue(ctx, `a duration needs a unit: write '${value}s' or '${value}m', for example`, {
      code: PipelineErrorCode.InvalidDuration,
    });
    return z.NEVER;
  }
  if (typeof value !== 'string') {
    addIssue(ctx, `expected a duration such as '10m', got ${describeValue(value)}`, {
      code: PipelineErrorCode.InvalidDuration,
    });
    return z.NEVER;
  }
  const parsed = parseTimeout(value);
  if (!parsed.ok) {
    addIssue(ctx, parsed.message, { code: PipelineErrorCode.InvalidDuration });
    return z.NEVER;
  }
  return parsed.ms;
});

const FailureStrategy = z.discriminatedUnion(
  'action',
  [
    mapping({
      action: z.literal('retry'),
      retries: z
        .number()
        .int()
        .min(PIPELINE_LIMITS.minRetries, `retries must be at least ${PIPELINE_LIMITS.minRetries}`)
        .max(PIPELINE_LIMITS.maxRetries, `retries must be at most ${PIPELINE_LIMITS.maxRetries}`),
      on: z.enum(RETRY_ON).optional(),
    }),
    mapping({ action: z.literal('ignore') }),
    mapping({ action: z.literal('abort') }),
  ],
  { error: unknownKind('failure action', 'action', FAILURE_ACTIONS) },
);

const Command = z
  .string()
  .max(PIPELINE_LIMITS.maxCommandLength, `must be at most ${PIPELINE_LIMITS.maxCommandLength} characters`)
  .superRefine((command, ctx) => {
    if (command.trim() === '') addIssue(ctx, 'must not be empty', { code: PipelineErrorCode.InvalidValue });
    checkExpressions(command, ctx);
  });

/** Fields every level (pipeline, stage, step) may carry. */
const executionSettings = {
  delegateSelectors: DelegateSelectors.optional(),
  env: Env.optional(),
  timeout: Timeout.optional(),
};

const RunStep = mapping({
  name: Name,
  type: z.literal('run'),
  ...executionSettings,
  failureStrategy: FailureStrategy.optional(),
  spec: mapping({ shell: z.enum(SHELLS).optional(), command: Command }),
});

const Step = z.discriminatedUnion('type', [RunStep], { error: unknownKind('step type', 'type', STEP_TYPES) });

const CiStage = mapping({
  name: Name,
  type: z.literal('ci'),
  ...executionSettings,
  failureStrategy: FailureStrategy.optional(),
  spec: mapping({
    codebase: mapping({ connector: ConnectorRef, repo: Repo }).optional(),
    steps: z.array(Step).min(1, 'a ci stage needs at least one step'),
  }),
});

/**
 * Kubernetes manifests written inline (several documents separated by ---); each must be an object with
 * apiVersion, kind and metadata.name, so a typo is reported when the pipeline is saved, not at deploy time.
 */
const Manifests = Command.superRefine((text, ctx) => {
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [];
  list.forEach((document, i) => {
    const object: unknown = document.errors.length ? undefined : document.toJS();
    const o = object as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null | undefined;
    if (typeof o?.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      addIssue(ctx, `manifest ${i + 1} is not a Kubernetes object with apiVersion, kind and metadata.name`, { code: PipelineErrorCode.InvalidValue });
    }
  });
  if (list.length === 0) addIssue(ctx, 'holds no manifest', { code: PipelineErrorCode.InvalidValue });
});

/** A service: its name alone (the example's `service: my_service`), or its name and the manifests that deploy it. */
const Service = z.union([entityName('service'), mapping({ name: entityName('service'), manifests: Manifests })], {
  error: () => 'expected a service name, or a mapping with name and manifests',
});

const DeployStage = mapping({
  name: Name,
  type: z.literal('deploy'),
  ...executionSettings,
  failureStrategy: FailureStrategy.optional(),
  spec: mapping({
    service: Service,
    environment: mapping({ name: entityName('environment'), 'deploy-to': entityName('infrastructure') }),
    connector: ConnectorRef,
  }),
});

const Stage = z.discriminatedUnion('type', [CiStage, DeployStage], {
  error: unknownKind('stage type', 'type', STAGE_TYPES),
});

export const PipelineDocumentSchema = mapping({
  pipeline: mapping({
    name: Name,
    identifier: Identifier.optional(),
    ...executionSettings,
    stages: z.array(Stage).min(1, 'a pipeline needs at least one stage'),
  }),
});

/** The validated YAML, before defaults: what normalize.ts turns into a Pipeline. */
export type PipelineDocument = z.output<typeof PipelineDocumentSchema>;
export type StageDocument = PipelineDocument['pipeline']['stages'][number];
export type StepDocument = Extract<StageDocument, { type: 'ci' }>['spec']['steps'][number];
export type FailureStrategyDocument = z.output<typeof FailureStrategy>;
