/** The API's answers as the CLI reads them: the shared contract (@conduit/protocol) plus what only the CLI uses. */
import type { ScopeView } from '@conduit/protocol';

export type { ConnectionTestResult, ConnectorView, DelegateGroupView, DelegateView, Page, PipelineView, ScopeView, SecretVersionView, SecretView, TaskStageView, TaskView } from '@conduit/protocol';

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

export interface TaskEventView {
  attempt: number;
  seq: number;
  type: 'progress' | 'log';
  stage: string | null;
  status: string | null;
  data: string | null;
  durationMs: number | null;
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
