import { stringify } from 'yaml';
import { formatDuration } from './duration';
import { TIMEOUT_DEFAULTS } from './limits';
import { ExecutionSettings, FailureStrategy, Pipeline, Stage, Step } from './model';
import { defaultStageTimeoutMs, defaultStepTimeoutMs } from './normalize';

/**
 * Writes a pipeline back as YAML in the source document's shape. Values equal to what parsing would fill in
 * are left out, so the output reads like hand-written YAML, and parsePipelineYaml gives back an equal Pipeline.
 */
export function stringifyPipelineYaml(pipeline: Pipeline): string {
  const document = {
    pipeline: {
      name: pipeline.name,
      ...(pipeline.identifier === undefined ? {} : { identifier: pipeline.identifier }),
      ...settings(pipeline, TIMEOUT_DEFAULTS.pipelineMs),
      stages: pipeline.stages.map((stage) => stageYaml(stage, pipeline.timeoutMs)),
    },
  };
  // lineWidth 0: never fold long commands; multi-line text becomes a `|` block.
  return stringify(document, { lineWidth: 0 });
}

function stageYaml(stage: Stage, pipelineTimeoutMs: number): Record<string, unknown> {
  const common = {
    name: stage.name,
    type: stage.type,
    ...settings(stage, defaultStageTimeoutMs(pipelineTimeoutMs)),
    ...failureStrategy(stage.failureStrategy),
  };
  if (stage.type === 'deploy') {
    const { service, manifests, environment, connector } = stage.spec;
    return {
      ...common,
      spec: { service: manifests === undefined ? service : { name: service, manifests }, environment: { name: environment.name, 'deploy-to': environment.deployTo }, connector },
    };
  }
  const { codebase, steps } = stage.spec;
  return {
    ...common,
    spec: {
      ...(codebase === undefined ? {} : { codebase: { connector: codebase.connector, repo: codebase.repo } }),
      steps: steps.map((step) => stepYaml(step, stage.timeoutMs)),
    },
  };
}

function stepYaml(step: Step, stageTimeoutMs: number): Record<string, unknown> {
  return {
    name: step.name,
    type: step.type,
    ...settings(step, defaultStepTimeoutMs(stageTimeoutMs)),
    ...failureStrategy(step.failureStrategy),
    spec: { shell: step.spec.shell, command: step.spec.command },
  };
}

function settings(level: ExecutionSettings, defaultTimeoutMs: number): Record<string, unknown> {
  return {
    ...(level.delegateSelectors.length === 0 ? {} : { delegateSelectors: [...level.delegateSelectors] }),
    ...(Object.keys(level.env).length === 0 ? {} : { env: { ...level.env } }),
    ...(level.timeoutMs === defaultTimeoutMs ? {} : { timeout: formatDuration(level.timeoutMs) }),
  };
}

function failureStrategy(strategy: FailureStrategy): Record<string, unknown> {
  if (strategy.action === 'abort') return {};
  if (strategy.action === 'ignore') return { failureStrategy: { action: 'ignore' } };
  return {
    failureStrategy: {
      action: 'retry',
      retries: strategy.retries,
      ...(strategy.on === 'any' ? {} : { on: strategy.on }),
    },
  };
}
