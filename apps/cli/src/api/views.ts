/** The API's answers as the CLI reads them (the fields it uses; the rest passes through to -o json/yaml). */

export interface ScopeView {
  level: 'account' | 'org' | 'project';
  org: string | null;
  project: string | null;
}

export interface ConnectorView {
  identifier: string;
  ref: string;
  name: string;
  description: string;
  type: string;
  category: string;
  scope: ScopeView;
  spec: Record<string, unknown>;
  tags: Record<string, string>;
  delegateSelectors: string[];
  connectivity: string;
  status: string;
  errorSummary: string | null;
  lastTestedAt: string | null;
  updatedAt: string;
  version: number;
}

export interface SecretVersionView {
  version: number;
  sealedBy: 'client' | 'control-plane' | 'external';
  recipients: Array<{ kind: string; group?: string; keyId: string }>;
  reference?: Record<string, string>;
  createdAt: string;
}

export interface SecretView {
  identifier: string;
  ref: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  kind: string;
  allowPlatformUse: boolean;
  scope: ScopeView;
  version: number;
  updatedAt: string;
  versions?: SecretVersionView[];
}

export interface PipelineView {
  identifier: string;
  name: string;
  version: number;
  updatedAt: string;
  yaml?: string;
}

export interface AlertRuleView {
  identifier: string;
  name: string;
  description: string;
  enabled: boolean;
  condition: { type: string } & Record<string, unknown>;
  notify: string[];
  cooldown: string;
  scope: ScopeView;
  version: number;
  updatedAt: string;
}

export interface AlertFiringView {
  id: string;
  status: 'sent' | 'suppressed';
  subject: string;
  event: { title: string; text: string; severity: string };
  firedAt: string;
  notifications: Array<{ connector: string; taskId?: string; taskStatus: string | null; error: { code: string; message: string } | null }>;
}

export interface DelegateView {
  id: string;
  name: string;
  group: string;
  status: string;
  tags: string[];
  version: string;
  capacity: number;
  running: number;
  lastHeartbeatAt: string | null;
}

export interface DelegateGroupView {
  name: string;
  publicKey: string | null;
  keyId: string | null;
}

export interface TaskStageView {
  stage: string;
  status: 'succeeded' | 'failed' | 'skipped';
  durationMs: number;
  message?: string;
}

export interface TaskView {
  id: string;
  kind: string;
  status: string;
  delegate: { id: string; name: string } | null;
  queuedAt: string;
  finishedAt: string | null;
  output: Record<string, unknown> | null;
  error: { code: string; message: string; stage?: string; hint?: string } | null;
  stages: TaskStageView[];
}

export interface TaskEventView {
  attempt: number;
  seq: number;
  type: 'progress' | 'log';
  stage: string | null;
  status: string | null;
  data: string | null;
  durationMs: number | null;
}

export interface ConnectionTestResult {
  status: 'SUCCESS' | 'FAILURE' | 'PENDING';
  stage: string | null;
  message: string | null;
  latencyMs: number | null;
  errors: Array<{ code: string; message: string; hint?: string }>;
  delegate: string | null;
  taskId: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export type ExecutionStatus = 'running' | 'succeeded' | 'failed' | 'aborted';

export interface StepView {
  name: string;
  status: string;
  exitCode?: number | null;
  durationMs?: number;
  attempts?: number;
  phases?: Array<{ phase: string; status: string; durationMs: number }>;
}

export interface StageView {
  name: string;
  type: string;
  status: string;
  attempts: number;
  steps: StepView[];
  error: { code: string; message: string } | null;
  target: Record<string, unknown> | null;
}

/** A pipeline run as /v1/pipelines/:id/executions answers it. */
export interface ExecutionView {
  id: string;
  pipeline: string;
  pipelineVersion?: number;
  status: ExecutionStatus;
  currentStage?: number;
  stages: StageView[];
  error: { code: string; message: string } | null;
  createdBy?: string;
  startedAt?: string | null;
  finishedAt?: string | null;
}

/** The data of a `progress` or `log` event of the follow stream. */
export interface ExecutionStreamEvent {
  type: string;
  pipelineStage: string;
  line: string;
  stream?: string | null;
  stage?: string | null;
  status?: string | null;
  data?: string | null;
}
