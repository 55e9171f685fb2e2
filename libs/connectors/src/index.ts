export {
  AUTH_KINDS,
  CONNECTOR_CATEGORIES,
  defineConnectorType,
  type AuthKind,
  type ConnectorCategory,
  type ConnectorSpecOf,
  type ConnectorSpecSchema,
  type ConnectorTypeDefinition,
} from './definition';
export {
  catalogJsonSchemas,
  collectSecretRefs,
  connectorCatalog,
  getConnectorType,
  secretRefPaths,
  SUPPORTED_TYPES,
  UnknownConnectorTypeError,
  unknownSpecFields,
  validateConnectorSpec,
  type AnyConnectorTypeDefinition,
  type CatalogEntry,
  type ConnectorType,
  type SecretRefUse,
  type SpecValidation,
} from './catalog';
export {
  formatScopedRef,
  IDENTIFIER_PATTERN,
  InvalidReferenceError,
  parseConnectorRef,
  parseSecretRef,
  SECRET_REF_MARK,
  secretRef,
  type ReferenceScope,
  type ScopedReference,
} from './schema/references';
export { connectivityOf, DELEGATE_SELECTOR_PATTERN } from './schema/fields';
export type { FieldIssue } from './schema/issues';
export {
  MAX_CONNECTOR_YAML_BYTES,
  parseHarnessConnectorYaml,
  stringifyConnectorYaml,
  type ConnectorDocument,
  type HarnessImportResult,
  type ImportError,
  type ImportedConnector,
} from './harness/connector-yaml';
export * from './types';
export { ConnectorCheckError, type CheckOutcome, type CheckStage, type ConnectorAction, type ConnectorOperations, type OperationContext } from './operations/context';
export { cloneAccessOf, cloneUrlOf, gitHttpEnvironment, gitSshEnvironment, type CloneAccess } from './operations/git-auth';
export { applyObject, kubernetesClient } from './operations/kubernetes';
export { renderSpecExpressions, specExpressions, type ExpressionUse } from './schema/expressions';
export { pinnedHostKeys, usesSshKey, withPinnedHostKey } from './schema/host-keys';
export { SSH_FINGERPRINT_PATTERN } from './schema/auth';
export {
  isNotificationType,
  NOTIFICATION_TYPES,
  notificationProblem,
  sendNotification,
  type NotificationMessage,
  type NotificationReceipt,
  type NotificationSeverity,
  type NotificationType,
} from './operations/notifications';
