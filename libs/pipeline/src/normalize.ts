import { TIMEOUT_DEFAULTS } from './limits';
import { FailureStrategy, Pipeline, Stage, Step } from './model';
import { FailureStrategyDocument, PipelineDocument, StageDocument, StepDocument } from './schema';

/** Fills the defaults (see limits.ts and model.ts) and renames YAML keys to the typed model's. */
export function toPipeline(document: PipelineDocument): Pipeline {
  const source = document.pipeline;
  const timeoutMs = source.timeout ?? TIMEOUT_DEFAULTS.pipelineMs;
  return {
    name: source.name,
    ...(source.identifier === undefined ? {} : { identifier: source.identifier }),
    delegateSelectors: source.delegateSelectors ?? [],
    env: source.env ?? {},
    timeoutMs,
    stages: source.stages.map((stage) => toStage(stage, timeoutMs)),
  };
}

/** The timeout a stage gets when it declares none. */
export function defaultStageTimeoutMs(pipelineTimeoutMs: number): number {
  return pipelineTimeoutMs;
}

/** The timeout a step gets when it declares none: the step default, but never past its stage's. */
export function defaultStepTimeoutMs(stageTimeoutMs: number): number {
  return Math.min(TIMEOUT_DEFAULTS.stepMs, stageTimeoutMs);
}

function toStage(stage: StageDocument, pipelineTimeoutMs: number): Stage {
  const timeoutMs = stage.timeout ?? defaultStageTimeoutMs(pipelineTimeoutMs);
  const settings = {
    name: stage.name,
    delegateSelectors: stage.delegateSelectors ?? [],
    env: stage.env ?? {},
    timeoutMs,
    failureStrategy: toFailureStrategy(stage.failureStrategy),
  };
  if (stage.type === 'deploy') {
    const { service, environment, connector } = stage.spec;
    return {
      ...settings,
      type: 'deploy',
      spec: {
        ...(typeof service === 'string' ? { service } : { service: service.name, manifests: service.manifests }),
        environment: { name: environment.name, deployTo: environment['deploy-to'] },
        connector,
      },
    };
  }
  const { codebase, steps } = stage.spec;
  return {
    ...settings,
    type: 'ci',
    spec: {
      ...(codebase === undefined ? {} : { codebase: { connector: codebase.connector, repo: codebase.repo } }),
      steps: steps.map((step) => toStep(step, timeoutMs)),
    },
  };
}

function toStep(step: StepDocument, stageTimeoutMs: number): Step {
  return {
    name: step.name,
    type: step.type,
    delegateSelectors: step.delegateSelectors ?? [],
    env: step.env ?? {},
    timeoutMs: step.timeout ?? defaultStepTimeoutMs(stageTimeoutMs),
    failureStrategy: toFailureStrategy(step.failureStrategy),
    spec: { shell: step.spec.shell ?? 'sh', command: step.spec.command },
  };
}

function toFailureStrategy(strategy: FailureStrategyDocument | undefined): FailureStrategy {
  if (strategy === undefined) return { action: 'abort' };
  if (strategy.action === 'retry') return { action: 'retry', retries: strategy.retries, on: strategy.on ?? 'any' };
  return { action: strategy.action };
}
