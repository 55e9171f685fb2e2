import { PipelineErrorCode } from './errors';
import { PIPELINE_LIMITS } from './limits';
import { formatPath, PathSegment } from './paths';

/** A problem found on the plain data, with its path from the document root. */
export interface StructureIssue {
  path: PathSegment[];
  code: PipelineErrorCode;
  message: string;
}

/**
 * Checks that look across siblings: how many stages and steps there are, and that stage names are unique in
 * the pipeline and step names unique in their stage (compared ignoring case and surrounding blanks, since
 * `Build` and `build ` would be indistinguishable in logs). Works on the raw data, whatever else is wrong with it.
 */
export function checkStructure(root: unknown): StructureIssue[] {
  const issues: StructureIssue[] = [];
  const stages = field(field(root, 'pipeline'), 'stages');
  if (!Array.isArray(stages)) return issues;
  const stagesPath: PathSegment[] = ['pipeline', 'stages'];
  if (stages.length > PIPELINE_LIMITS.maxStages) {
    issues.push(limit(stagesPath, `${stages.length} stages; the limit is ${PIPELINE_LIMITS.maxStages}`));
  }
  issues.push(...duplicateNames(stages, stagesPath, 'stage'));
  let totalSteps = 0;
  stages.forEach((stage, index) => {
    const steps = field(field(stage, 'spec'), 'steps');
    if (field(stage, 'type') !== 'ci' || !Array.isArray(steps)) return;
    const stepsPath = [...stagesPath, index, 'spec', 'steps'];
    totalSteps += steps.length;
    if (steps.length > PIPELINE_LIMITS.maxStepsPerStage) {
      issues.push(
        limit(stepsPath, `${steps.length} steps in one stage; the limit is ${PIPELINE_LIMITS.maxStepsPerStage}`),
      );
    }
    issues.push(...duplicateNames(steps, stepsPath, 'step'));
  });
  if (totalSteps > PIPELINE_LIMITS.maxStepsTotal) {
    issues.push(
      limit(stagesPath, `${totalSteps} steps in the pipeline; the limit is ${PIPELINE_LIMITS.maxStepsTotal}`),
    );
  }
  return issues;
}

function duplicateNames(items: unknown[], listPath: PathSegment[], what: string): StructureIssue[] {
  const firstIndexByName = new Map<string, number>();
  const issues: StructureIssue[] = [];
  items.forEach((item, index) => {
    const name = field(item, 'name');
    if (typeof name !== 'string' || name.trim() === '') return;
    const key = name.trim().toLowerCase();
    const first = firstIndexByName.get(key);
    if (first === undefined) {
      firstIndexByName.set(key, index);
      return;
    }
    issues.push({
      path: [...listPath, index, 'name'],
      code: PipelineErrorCode.DuplicateName,
      message: `${what} name '${name.trim().slice(0, 128)}' is already used by ${formatPath([...listPath.slice(1), first])}`,
    });
  });
  return issues;
}

function limit(path: PathSegment[], message: string): StructureIssue {
  return { path, code: PipelineErrorCode.LimitExceeded, message: `too many: ${message}` };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
