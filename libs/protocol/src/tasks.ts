/** The task kinds the product knows; a delegate declares in its hello which of them it can run. */
export const TaskKind = {
  /** Does nothing; measures the dispatch path itself. Read-only. */
  Noop: 'noop',
  /** Waits `payload.ms`, renewing its lease; for tests of leases, cancel and failover. Read-only. */
  Sleep: 'sleep',
  /** Same as sleep, but declared mutating: after a lost lease it becomes `unknown`, never re-run. */
  SleepMutating: 'sleep-mutating',
  /** Logs `payload.text` with its secret expressions rendered, so output masking can be proven. Read-only. */
  Echo: 'echo',
  /** A pipeline's ci stage: clone the codebase into a workspace, run its shell steps. Mutating. */
  PipelineCi: 'pipeline.ci',
  /** A pipeline's deploy stage: apply the service's release to the cluster behind a connector. Mutating. */
  PipelineDeploy: 'pipeline.deploy',
  /** Tests a connector: the lifecycle stages up to operation. Read-only. */
  ConnectorTest: 'connector.test',
  /**
   * Runs one named operation of a connector (list tags, read a file at a ref, run a command). Read-only
   * unless the operation changes something on the peer, which the task then records as `mutating`.
   */
  ConnectorOperation: 'connector.operation',
  /**
   * Adds delegate groups as recipients of a sealed secret version: run by a delegate of a group that can open
   * it (`payload.requiredGroups`); returns the envelope with the new recipients, never the value. Read-only
   * for the delegate (the control plane stores the result), so it may run again.
   */
  SecretReseal: 'secret.reseal',
  /** Sends an alert through a notification connector (Slack, Teams, PagerDuty, webhook). Mutating. */
  NotificationSend: 'notification.send',
} as const;

/** Default time a task of each kind may run on a delegate. */
export const TASK_TIMEOUT_MS: Record<string, number> = {
  noop: 10_000,
  sleep: 600_000,
  'sleep-mutating': 600_000,
  echo: 10_000,
  'connector.test': 60_000,
  'connector.operation': 120_000,
  'pipeline.ci': 3_600_000,
  'pipeline.deploy': 600_000,
  'secret.reseal': 30_000,
  'notification.send': 60_000,
};
