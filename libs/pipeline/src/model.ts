/**
 * The typed, normalized pipeline that parsePipelineYaml returns: durations in milliseconds, selectors
 * lower-cased and de-duplicated, env values as text, and every default filled in.
 */

export const STAGE_TYPES = ['ci', 'deploy'] as const;
export const STEP_TYPES = ['run'] as const;
export const SHELLS = ['sh', 'bash'] as const;
export const FAILURE_ACTIONS = ['retry', 'ignore', 'abort'] as const;
export const RETRY_ON = ['any', 'transient'] as const;

export type StageType = (typeof STAGE_TYPES)[number];
export type StepType = (typeof STEP_TYPES)[number];
export type Shell = (typeof SHELLS)[number];
export type RetryOn = (typeof RETRY_ON)[number];

/**
 * What happens when a step or stage fails; `abort` unless the YAML says otherwise. A step's strategy is
 * applied first; if the step still fails the stage has failed, and the stage's own strategy applies
 * (retry runs the stage again from its first step). `on: transient` retries only failures the executor
 * marks transient (connection refused, timeouts), not a non-zero exit of the user's command.
 */
export type FailureStrategy =
  { action: 'retry'; retries: number; on: RetryOn } | { action: 'ignore' } | { action: 'abort' };

/** Environment variable name → value; values may hold secret expressions. */
export type EnvVars = Record<string, string>;

/** What pipeline, stage and step all carry. */
export interface ExecutionSettings {
  delegateSelectors: string[];
  env: EnvVars;
  timeoutMs: number;
}

export interface RunStep extends ExecutionSettings {
  name: string;
  type: 'run';
  failureStrategy: FailureStrategy;
  spec: { shell: Shell; command: string };
}

export type Step = RunStep;

export interface Codebase {
  /** Connector reference: `account.x`, `org.x` or `x`. */
  connector: string;
  repo: string;
}

export interface CiStage extends ExecutionSettings {
  name: string;
  type: 'ci';
  failureStrategy: FailureStrategy;
  spec: { codebase?: Codebase; steps: Step[] };
}

export interface DeployStage extends ExecutionSettings {
  name: string;
  type: 'deploy';
  failureStrategy: FailureStrategy;
  spec: {
    service: string;
    /** The service's Kubernetes manifests, inline (multi-document YAML); without them only a release record is applied. */
    manifests?: string;
    /** `deployTo` is YAML's `deploy-to`. */
    environment: { name: string; deployTo: string };
    /** Connector reference: `account.x`, `org.x` or `x`. */
    connector: string;
  };
}

export type Stage = CiStage | DeployStage;

export interface Pipeline extends ExecutionSettings {
  name: string;
  identifier?: string;
  stages: Stage[];
}
