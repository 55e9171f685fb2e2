import { parseSecretExpressions, SecretExpressionError } from './expressions';
import { EnvVars, Pipeline } from './model';
import { formatPath, PathSegment } from './paths';
import { InvalidReferenceError, parseScopedRef, ScopedRef } from './scoped-ref';

/** One place a pipeline names a connector or a secret, with the YAML path of that place. */
export interface RefUse extends ScopedRef {
  path: string;
}

/**
 * Every connector reference in a pipeline, in document order: `stages[i].spec.codebase.connector` (ci) and
 * `stages[i].spec.connector` (deploy). These are what must resolve before anything runs.
 */
export function collectConnectorRefs(pipeline: Pipeline): RefUse[] {
  const uses: RefUse[] = [];
  pipeline.stages.forEach((stage, index) => {
    const connector = stage.type === 'ci' ? stage.spec.codebase?.connector : stage.spec.connector;
    if (connector === undefined) return;
    const path =
      stage.type === 'ci' ? ['stages', index, 'spec', 'codebase', 'connector'] : ['stages', index, 'spec', 'connector'];
    uses.push(refUse(connector, path));
  });
  return uses;
}

/**
 * Every secret expression in a pipeline's env values (pipeline, stage, step) and step commands, one entry
 * per occurrence, in document order.
 */
export function collectSecretRefs(pipeline: Pipeline): RefUse[] {
  return secretBearingTexts(pipeline).flatMap(({ path, text }) => {
    const { expressions, errors } = parseSecretExpressions(text);
    if (errors.length > 0)
      throw new SecretExpressionError(errors.map((e) => ({ ...e, message: `${formatPath(path)}: ${e.message}` })));
    return expressions.map(({ ref, scope, identifier }) => ({ path: formatPath(path), ref, scope, identifier }));
  });
}

/** The texts in which secret expressions are evaluated. */
function secretBearingTexts(pipeline: Pipeline): { path: PathSegment[]; text: string }[] {
  const texts = envTexts(pipeline.env, []);
  pipeline.stages.forEach((stage, stageIndex) => {
    const stagePath: PathSegment[] = ['stages', stageIndex];
    texts.push(...envTexts(stage.env, stagePath));
    if (stage.type !== 'ci') return;
    stage.spec.steps.forEach((step, stepIndex) => {
      const stepPath = [...stagePath, 'spec', 'steps', stepIndex];
      texts.push(...envTexts(step.env, stepPath));
      texts.push({ path: [...stepPath, 'spec', 'command'], text: step.spec.command });
    });
  });
  return texts;
}

function envTexts(env: EnvVars, at: PathSegment[]): { path: PathSegment[]; text: string }[] {
  return Object.entries(env).map(([name, text]) => ({ path: [...at, 'env', name], text }));
}

// A parsed Pipeline holds only valid references; one built by hand may not, and then the path is named.
function refUse(ref: string, path: PathSegment[]): RefUse {
  try {
    return { path: formatPath(path), ...parseScopedRef(ref) };
  } catch (error: unknown) {
    if (error instanceof InvalidReferenceError) {
      throw new InvalidReferenceError(ref, `${formatPath(path)}: ${error.message}`);
    }
    throw error;
  }
}
