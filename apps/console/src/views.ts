/** The API's answers as the console reads them (the fields it shows). */
import type { JsonSchema } from './schema-form';

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
  status: ConnectorStatus;
  errorSummary: string | null;
  errors: Array<{ code: string; message: string }>;
  lastTestedAt: string | null;
  lastConnectedAt: string | null;
  updatedAt: string;
  version: number;
}

export interface CatalogEntry {
  type: string;
  displayName: string;
  category: string;
  description: string;
  docsHint?: string;
  schema: JsonSchema;
}

export interface ConnectorCheck {
  id: string;
  taskId: string | null;
  status: 'SUCCESS' | 'FAILURE';
  stage: string | null;
  message: string | null;
  latencyMs: number | null;
  delegate: string | null;
  testedAt: string;
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

export interface TaskView {
  id: string;
  status: string;
  delegate: { id: string; name: string } | null;
  error: { code: string; message: string; stage?: string; hint?: string } | null;
}

export interface ConnectorUsage {
  pipeline: string;
  path: string;
  ref: string;
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

export interface DelegateTokenView {
  id: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface SecretView {
  identifier: string;
  ref: string;
  name: string;
  description: string;
  kind: string;
  scope: ScopeView;
  version: number;
  updatedAt: string;
}

export interface PipelineView {
  identifier: string;
  name: string;
  version: number;
  updatedAt: string;
}

export interface StepView {
  name: string;
  status: string;
  exitCode?: number | null;
  durationMs?: number;
}

export interface ExecutionView {
  id: string;
  pipeline: string;
  status: 'running' | 'succeeded' | 'failed' | 'aborted';
  stages: Array<{
    name: string;
    type: string;
    status: string;
    steps: StepView[];
    error: { code: string; message: string } | null;
  }>;
  error: { code: string; message: string } | null;
  createdBy?: string;
  startedAt?: string | null;
  finishedAt?: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
