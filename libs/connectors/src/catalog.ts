import { z } from 'zod';
import type { AuthKind, ConnectorCategory, ConnectorTypeDefinition } from './definition';
import { toFieldIssues, type FieldIssue } from './schema/issues';
import { formatPath } from './schema/paths';
import { findPlaceholders } from './schema/placeholders';
import { referenceProblem } from './schema/references';
import { walkSpec } from './schema/walk';
import * as types from './types';

const definitions = [
  types.gitConnector,
  types.githubConnector,
  types.gitlabConnector,
  types.bitbucketConnector,
  types.azureRepoConnector,
  types.dockerRegistryConnector,
  types.artifactoryConnector,
  types.nexusConnector,
  types.azureArtifactsConnector,
  types.httpHelmRepoConnector,
  types.awsConnector,
  types.gcpConnector,
  types.azureConnector,
  types.k8sClusterConnector,
  types.vaultConnector,
  types.awsSecretManagerConnector,
  types.gcpSecretManagerConnector,
  types.prometheusConnector,
  types.datadogConnector,
  types.splunkConnector,
  types.newRelicConnector,
  types.slackConnector,
  types.msTeamsConnector,
  types.jiraConnector,
  types.serviceNowConnector,
  types.pagerDutyConnector,
  types.httpConnector,
  types.sshHostConnector,
] as const;

/** A connector type name as written in YAML: `Github`, `K8sCluster`, … */
export type ConnectorType = (typeof definitions)[number]['type'];

export type AnyConnectorTypeDefinition = ConnectorTypeDefinition<ConnectorType>;

export const connectorCatalog: readonly AnyConnectorTypeDefinition[] = definitions;

export const SUPPORTED_TYPES: readonly ConnectorType[] = definitions.map((definition) => definition.type);

const byLowerCaseType = new Map<string, AnyConnectorTypeDefinition>(
  connectorCatalog.map((definition) => [definition.type.toLowerCase(), definition]),
);

/** The definition of a type, matched case-insensitively (`github` finds `Github`), or undefined. */
export function getConnectorType(type: string): AnyConnectorTypeDefinition | undefined {
  return byLowerCaseType.get(type.toLowerCase());
}

export function unsupportedTypeMessage(type: string): string {
  return `'${type.slice(0, 64)}' is not a supported connector type; supported types: ${SUPPORTED_TYPES.join(', ')}`;
}

export class UnknownConnectorTypeError extends Error {
  readonly code = 'UNKNOWN_CONNECTOR_TYPE';

  constructor(readonly type: string) {
    super(unsupportedTypeMessage(type));
    this.name = 'UnknownConnectorTypeError';
  }
}

function definitionOf(type: string | ConnectorTypeDefinition): ConnectorTypeDefinition {
  if (typeof type !== 'string') return type;
  const definition = getConnectorType(type);
  if (!definition) throw new UnknownConnectorTypeError(type);
  return definition;
}

/** A secret reference used by a connector, with the path of the field holding it. */
export interface SecretRefUse {
  /** `spec.authentication.spec.spec.tokenRef` */
  path: string;
  /** `x`, `org.x` or `account.x` */
  ref: string;
}

/** Every path where a spec of this type can hold a secret reference; array items appear as `[]`. */
export function secretRefPaths(type: string | ConnectorTypeDefinition): readonly string[] {
  return definitionOf(type).secretRefFields;
}

/**
 * The secret references in a spec, with their paths. Only well-formed references are listed: a malformed one is
 * a validation error, never something to resolve.
 * @throws UnknownConnectorTypeError
 */
export function collectSecretRefs(type: string | ConnectorTypeDefinition, spec: unknown): SecretRefUse[] {
  const found: SecretRefUse[] = [];
  walkSpec(definitionOf(type).schema, spec, {
    secretRef: (path, ref) => {
      if (referenceProblem(ref) === undefined) found.push({ path: formatPath(['spec', ...path]), ref });
    },
  });
  return found;
}

/** Paths (from the spec's root) of fields that the type's schema does not declare. */
export function unknownSpecFields(definition: ConnectorTypeDefinition, spec: unknown): string[] {
  const found: string[] = [];
  walkSpec(definition.schema, spec, { unknownField: (path) => found.push(formatPath(path)) });
  return found;
}

const placeholderMessage = 'is a documentation placeholder: replace it with the real value';

export type SpecValidation = { ok: true; spec: Record<string, unknown> } | { ok: false; issues: FieldIssue[] };

/**
 * Validates a connector's `spec` for the create/update API: issue paths are full (`spec.url`); fields the type
 * does not have and unfilled documentation placeholders (`<YOUR_URL>`) are issues too.
 */
export function validateConnectorSpec(type: string, spec: unknown): SpecValidation {
  const definition = getConnectorType(type);
  if (!definition) return { ok: false, issues: [{ path: 'type', message: unsupportedTypeMessage(type) }] };

  const placeholderPaths = new Set(findPlaceholders(spec, ['spec']).map((found) => formatPath(found.path)));
  const result = definition.schema.safeParse(spec);
  const issues = result.success ? [] : toFieldIssues(result.error.issues, spec, ['spec']);
  for (const issue of issues) {
    if (placeholderPaths.delete(issue.path)) issue.message = placeholderMessage;
  }
  issues.push(...[...placeholderPaths].map((path) => ({ path, message: placeholderMessage })));
  issues.push(
    ...unknownSpecFields(definition, spec).map((path) => ({
      path: formatPath(['spec', path]),
      message: `is not a field of ${definition.type} connectors`,
    })),
  );
  if (result.success && issues.length === 0) return { ok: true, spec: result.data };
  return { ok: false, issues };
}

export interface CatalogEntry {
  type: ConnectorType;
  displayName: string;
  category: ConnectorCategory;
  description: string;
  docsHint?: string;
  authKinds: readonly AuthKind[];
  secretRefFields: readonly string[];
  /** JSON Schema (draft 2020-12) of the spec as a client sends it; secret fields carry `x-conduit-secret-ref`. */
  schema: Record<string, unknown>;
}

let jsonSchemas: readonly CatalogEntry[] | undefined;

/** The catalog as `GET /v1/connector-catalog` serves it. Computed once: the catalog is fixed at build time. */
export function catalogJsonSchemas(): readonly CatalogEntry[] {
  jsonSchemas ??= connectorCatalog.map((definition) => ({
    type: definition.type,
    displayName: definition.displayName,
    category: definition.category,
    description: definition.description,
    ...(definition.docsHint ? { docsHint: definition.docsHint } : {}),
    authKinds: definition.authKinds,
    secretRefFields: definition.secretRefFields,
    schema: z.toJSONSchema(definition.schema, { io: 'input', unrepresentable: 'any' }),
  }));
  return jsonSchemas;
}
