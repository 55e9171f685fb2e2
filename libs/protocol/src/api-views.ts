/**
 * The REST API's answers as its clients (CLI, web console) read them: the shared contract, so a field
 * renamed on one side fails the other's typecheck instead of a user's screen.
 */

export interface ScopeView {
  level: 'account' | 'org' | 'project';
  org: string | null;
  project: string | null;
}

export type ConnectorStatus = 'ACTIVE' | 'FAILED' | 'UNCONFIGURED';

export interface ConnectorView {
  identifier: string;
  ref: string;
  name: string;
  description: string;
  type: string;
  category: string;
  scope: ScopeView;
  spec: Record<string, unknown>;
  secretRefs: Array<{ path: string; ref: string; expression?: boolean }>;
  tags: Record<string, string>;
  delegateSelectors: string[];
  connectivity: string;
  status: ConnectorStatus;
  errorSummary: string | null;
  errors: Array<{ code: string; message: string }>;
  lastTestedAt: string | null;
  lastConnectedAt: string | null;
  updatedAt: string;
  version: number;
}

export interface ConnectionTestResult {
  status: 'SUCCESS' | 'FAILURE' | 'PENDING';
  stage: string | null;
  message: string | null;
  latencyMs: number | null;
  errors: Array<{ code: string; message: string; hint?: string }>;
  delegate: string | null;
  taskId: string | null;
  testedAt: string | null;
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

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
