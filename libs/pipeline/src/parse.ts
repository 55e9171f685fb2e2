import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar } from 'yaml';
import { PipelineError, PipelineErrorCode } from './errors';
import { FieldIssue, toFieldIssues } from './issues';
import { PIPELINE_LIMITS } from './limits';
import { Pipeline } from './model';
import { toPipeline } from './normalize';
import { formatPath, locate, syntaxErrors } from './paths';
import { PipelineDocumentSchema } from './schema';
import { checkStructure } from './structure';

export type ParsePipelineResult = { ok: true; pipeline: Pipeline } | { ok: false; errors: PipelineError[] };

/** A problem before it becomes a PipelineError: its path still runs from the document root. */
type Problem = FieldIssue;

/**
 * Parses and validates pipeline YAML. Never throws. Every problem is reported at once, each with the path
 * of the field at fault (relative to `pipeline:`) and its line; a YAML syntax error stops before validation,
 * since the tree behind it cannot be trusted.
 */
export function parsePipelineYaml(text: string): ParsePipelineResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > PIPELINE_LIMITS.maxDocumentBytes) {
    return documentError(
      PipelineErrorCode.DocumentTooLarge,
      `the document is ${bytes} bytes; the limit is ${PIPELINE_LIMITS.maxDocumentBytes} bytes (256 KiB)`,
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) return { ok: false, errors: cap(syntaxErrors(doc)) };
  if (!isMap(doc.contents)) {
    const found = doc.contents === null ? 'the document is empty' : `the document root is ${rootKind(doc)}`;
    return documentError(PipelineErrorCode.InvalidRoot, `${found}; expected a mapping with a 'pipeline' key`, 1);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: PIPELINE_LIMITS.maxAliasCount });
  } catch (error: unknown) {
    // Unresolved aliases and alias bombs surface only here.
    return documentError(PipelineErrorCode.YamlSyntax, `YAML error: ${(error as Error).message}`);
  }
  const result = validatePipeline(data);
  if (result.ok) return result;
  return { ok: false, errors: cap(sortByLine(result.problems.map((problem) => toPipelineError(problem, doc, lines)))) };
}

/**
 * Validates a pipeline that is already plain data (e.g. a JSON request body) by the same rules as the YAML;
 * errors carry paths but no lines.
 */
export function parsePipelineObject(data: unknown): ParsePipelineResult {
  const result = validatePipeline(data);
  if (result.ok) return result;
  return { ok: false, errors: cap(result.problems.map((problem) => toPipelineError(problem))) };
}

function validatePipeline(data: unknown): { ok: true; pipeline: Pipeline } | { ok: false; problems: Problem[] } {
  const parsed = PipelineDocumentSchema.safeParse(data, { reportInput: true });
  const structure = checkStructure(data);
  if (parsed.success && structure.length === 0) return { ok: true, pipeline: toPipeline(parsed.data) };
  const fieldIssues = parsed.success ? [] : parsed.error.issues.flatMap(toFieldIssues);
  return { ok: false, problems: [...fieldIssues, ...structure] };
}

function toPipelineError(problem: Problem, doc?: Document, lines?: LineCounter): PipelineError {
  // Paths are shown relative to `pipeline:`; anything outside it concerns the document as a whole.
  const [first, ...rest] = problem.path;
  const path = first === 'pipeline' ? formatPath(rest) : '';
  const message = first === 'pipeline' || first === undefined ? problem.message : `top level: ${problem.message}`;
  const line = doc && lines ? lineOfProblem(problem, doc, lines) : undefined;
  return { code: problem.code, path, ...(line === undefined ? {} : { line }), message };
}

function lineOfProblem(problem: Problem, doc: Document, lines: LineCounter): number | undefined {
  const located = locate(doc, lines, problem.path);
  // In a `|` block the value's first line is the one after the indicator, so a line inside it maps exactly.
  if (problem.valueLine !== undefined && isScalar(located.node) && located.node.type === Scalar.BLOCK_LITERAL) {
    const range = located.node.range;
    if (range) return lines.linePos(range[0]).line + problem.valueLine;
  }
  return located.line;
}

function documentError(code: PipelineErrorCode, message: string, line?: number): ParsePipelineResult {
  return { ok: false, errors: [{ code, path: '', ...(line === undefined ? {} : { line }), message }] };
}

function rootKind(doc: Document): string {
  return isSeq(doc.contents) ? 'a list' : 'a single value';
}

// Stable sort: errors without a line (none in practice for parsed YAML) keep their place at the end.
function sortByLine(errors: PipelineError[]): PipelineError[] {
  return [...errors].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}

function cap(errors: PipelineError[]): PipelineError[] {
  const max = PIPELINE_LIMITS.maxReportedErrors;
  if (errors.length <= max) return errors;
  return [
    ...errors.slice(0, max - 1),
    {
      code: PipelineErrorCode.TooManyErrors,
      path: '',
      message: `${errors.length - (max - 1)} more errors not shown`,
    },
  ];
}
