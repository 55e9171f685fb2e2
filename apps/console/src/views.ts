/** The API's answers as the console reads them: the shared contract (@conduit/protocol) plus what only the console shows. */
import type { JsonSchema } from './schema-form';

export type { ConnectionTestResult, ConnectorStatus, ConnectorView, DelegateGroupView, DelegateView, Page, PipelineView, ScopeView, SecretView, TaskView } from '@conduit/protocol';

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

export interface ConnectorUsage {
  pipeline: string;
  path: string;
  ref: string;
}

export interface DelegateTokenView {
  id: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
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

