import { AlertRuleEntity } from '../alerts/alert-rule.entity';
import { ConnectorEntity } from '../connectors/connector.entity';
import { ExecutionEntity } from '../pipelines/execution.entity';
import { PipelineEntity } from '../pipelines/pipeline.entity';
import { TaskEntity } from '../tasks/task.entity';
import { AuditEventEntity } from '../audit/audit.entity';
import { ApiKeyEntity, PrincipalEntity, RoleBindingEntity } from '../auth/auth.entities';
import { DelegateEntity, DelegateGroupEntity, DelegateTokenEntity } from '../delegates/delegate.entities';
import { SecretEntity, SecretVersionEntity } from '../secrets/secret.entities';
import { AccountEntity, OrganizationEntity, ProjectEntity } from '../scopes/scope.entities';

/** Every TypeORM entity, registered explicitly. */
export const entities = [
  AccountEntity,
  OrganizationEntity,
  ProjectEntity,
  PrincipalEntity,
  ApiKeyEntity,
  RoleBindingEntity,
  DelegateTokenEntity,
  DelegateEntity,
  AuditEventEntity,
  ConnectorEntity,
  PipelineEntity,
  DelegateGroupEntity,
  SecretEntity,
  SecretVersionEntity,
  TaskEntity,
  ExecutionEntity,
  AlertRuleEntity,
];
