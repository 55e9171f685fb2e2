import { Foundation1764288000000 } from './1764288000000-foundation';
import { Connectors1764288100000 } from './1764288100000-connectors';
import { Secrets1764288200000 } from './1764288200000-secrets';
import { Tasks1764288300000 } from './1764288300000-tasks';
import { ConnectorChecks1764288400000 } from './1764288400000-connector-checks';
import { Executions1764288500000 } from './1764288500000-executions';
import { ConnectorLifecycle1764288600000 } from './1764288600000-connector-lifecycle';
import { AlertRules1764288700000 } from './1764288700000-alert-rules';

/** Every migration, oldest first. Registered explicitly so the bundle needs no file globbing. */
export const migrations = [
  Foundation1764288000000,
  Connectors1764288100000,
  Secrets1764288200000,
  Tasks1764288300000,
  ConnectorChecks1764288400000,
  Executions1764288500000,
  ConnectorLifecycle1764288600000,
  AlertRules1764288700000,
];
