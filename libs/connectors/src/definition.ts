import type { z } from 'zod';
import type { ConnectorOperations } from './operations/context';
import { secretRefPathsOf } from './schema/walk';

/** The integration categories of the connectors overview, plus Generic for protocol-level connectors. */
export const CONNECTOR_CATEGORIES = [
  'SourceCode',
  'Artifact',
  'Cloud',
  'SecretManager',
  'Observability',
  'Collaboration',
  'Generic',
] as const;

export type ConnectorCategory = (typeof CONNECTOR_CATEGORIES)[number];

/** How a connector can authenticate, across the catalog; each type lists the kinds its schema accepts. */
export const AUTH_KINDS = {
  Anonymous: 'No credentials',
  HttpBasic: 'HTTP basic authentication: user name and password',
  HttpToken: 'Bearer or API token in an HTTP header',
  UsernameToken: 'User name and personal access token',
  ApiKey: "Vendor API key(s) sent in the vendor's headers",
  SshKey: 'SSH private key',
  OAuthClientCredentials: 'OAuth 2.0 client credentials grant',
  OAuthRefreshToken: 'OAuth 2.0 refresh token grant',
  OpenIdConnect: 'OpenID Connect login at an identity provider',
  OidcFederation: 'Workload identity federation: a short-lived OIDC token exchanged for cloud credentials',
  ClientCertificate: 'Client certificate (mutual TLS)',
  GithubApp: 'GitHub App installation: App id, installation id and private key',
  AccessKey: 'Cloud access key id and secret access key',
  ServiceAccountKey: 'Cloud service account key file',
  AppRole: 'HashiCorp Vault AppRole: role id and secret id',
  WebhookUrl: 'Incoming-webhook URL, which is itself the secret',
  InheritFromDelegate: "The delegate's own identity: instance role, in-cluster service account, managed identity",
} as const;

export type AuthKind = keyof typeof AUTH_KINDS;

/** The zod schema of a connector's `spec` (its configuration). Specs are always objects. */
export type ConnectorSpecSchema = z.ZodType<Record<string, unknown>>;

export interface ConnectorTypeDefinition<
  TType extends string = string,
  TSchema extends ConnectorSpecSchema = ConnectorSpecSchema,
> {
  /** Harness's type name, as written in connector YAML (`type: Github`). */
  readonly type: TType;
  readonly displayName: string;
  readonly category: ConnectorCategory;
  readonly description: string;
  /** Where a person finds the provider-side setup (tokens, roles, app registration). */
  readonly docsHint?: string;
  readonly authKinds: readonly AuthKind[];
  /** Validates `spec`; fields holding secret references are built with secretRef(). */
  readonly schema: TSchema;
  /** Every path where a secret reference may sit (`spec.authentication.spec.spec.tokenRef`), from the schema. */
  readonly secretRefFields: readonly string[];
  /** The spec field holding the connector's own delegate selectors, to which a task may add its own. */
  readonly defaultDelegateSelectorsField?: string;
  /**
   * The connection test and operations, run where the connector is reachable (on a delegate, or the control
   * plane in platform mode). Types without them can be stored and referenced but not yet tested.
   */
  readonly operations?: ConnectorOperations;
}

type DefinitionInput<TType extends string, TSchema extends ConnectorSpecSchema> = Omit<
  ConnectorTypeDefinition<TType, TSchema>,
  'secretRefFields' | 'defaultDelegateSelectorsField'
>;

/** Declares a connector type; what can be derived from its schema is derived here, not written by hand. */
export function defineConnectorType<const TType extends string, TSchema extends ConnectorSpecSchema>(
  definition: DefinitionInput<TType, TSchema>,
): ConnectorTypeDefinition<TType, TSchema> {
  return {
    ...definition,
    secretRefFields: secretRefPathsOf(definition.schema, ['spec']),
    defaultDelegateSelectorsField: 'delegateSelectors',
  };
}

export type ConnectorSpecOf<T extends ConnectorTypeDefinition> = z.output<T['schema']>;
