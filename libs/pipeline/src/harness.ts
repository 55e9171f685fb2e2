import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { PipelineError, PipelineErrorCode } from './errors';
import { PIPELINE_LIMITS } from './limits';
import { formatPath, lineOf, PathSegment, syntaxErrors } from './paths';
import { safeParseScopedRef, ScopedRef } from './scoped-ref';

/**
 * Connector references in Harness's full pipeline format (`pipeline.stages[].stage.spec…`). Harness puts
 * `connectorRef` in many places (codebase properties, infrastructure, artifacts, manifests, step specs), so
 * rather than know each one, every `connectorRef` key anywhere in the document is found.
 */

export interface HarnessConnectorRef extends ScopedRef {
  /** Full path from the document root: `pipeline.stages[0].stage.spec.infrastructure.spec.connectorRef`. */
  path: string;
  line: number;
}

/** A runtime input (`<+input>`) or an expression: its connector is known only when the pipeline runs. */
export interface UnresolvableConnectorRef {
  path: string;
  line: number;
  value: string;
  reason: string;
}

/** A literal value that is not a valid reference (e.g. `account.argocd-account`: `-` is not allowed). */
export interface InvalidConnectorRef {
  path: string;
  line: number;
  value: string;
  message: string;
}

interface Found {
  refs: HarnessConnectorRef[];
  unresolvable: UnresolvableConnectorRef[];
  invalid: InvalidConnectorRef[];
}

export type HarnessRefExtraction = ({ ok: true } & Found) | { ok: false; errors: PipelineError[] };

const CONNECTOR_REF_KEY = 'connectorRef';

/** Finds every `connectorRef` in a Harness YAML document, in document order. Never throws. */
export function extractHarnessConnectorRefs(yamlText: string): HarnessRefExtraction {
  const bytes = Buffer.byteLength(yamlText, 'utf8');
  if (bytes > PIPELINE_LIMITS.maxDocumentBytes) {
    return failure(
      PipelineErrorCode.DocumentTooLarge,
      `the document is ${bytes} bytes; the limit is ${PIPELINE_LIMITS.maxDocumentBytes} bytes (256 KiB)`,
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, errors: syntaxErrors(doc) };
  const found: Found = { refs: [], unresolvable: [], invalid: [] };
  const tooDeep = walk(lines, doc.contents, [], found);
  if (tooDeep) {
    return failure(
      PipelineErrorCode.LimitExceeded,
      `nesting deeper than ${PIPELINE_LIMITS.maxNestingDepth} levels at ${formatPath(tooDeep)}`,
    );
  }
  return { ok: true, ...found };
}

/** Returns the path where nesting went too deep, if it did. */
function walk(lines: LineCounter, node: unknown, path: PathSegment[], found: Found): PathSegment[] | undefined {
  if (path.length > PIPELINE_LIMITS.maxNestingDepth) return path;
  // An alias repeats an anchored node already visited where it was defined.
  if (isAlias(node)) return undefined;
  if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const tooDeep = walk(lines, item, [...path, index], found);
      if (tooDeep) return tooDeep;
    }
  }
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    const at = [...path, key];
    if (key === CONNECTOR_REF_KEY) classify(pair.value, formatPath(at), lineOf(lines, pair.key) ?? 0, found);
    const tooDeep = walk(lines, pair.value, at, found);
    if (tooDeep) return tooDeep;
  }
  return undefined;
}

function classify(value: unknown, path: string, line: number, found: Found): void {
  if (!isScalar(value) || (typeof value.value !== 'string' && value.value !== null)) {
    const shown = isScalar(value) ? String(value.value) : '';
    found.invalid.push({
      path,
      line,
      value: shown,
      message: 'expected a connector reference such as org.my_connector',
    });
    return;
  }
  const text = value.value ?? '';
  if (text.includes('<+')) {
    const reason = text.startsWith('<+input>')
      ? 'runtime input: the connector is chosen when the pipeline runs'
      : 'expression: evaluated when the pipeline runs';
    found.unresolvable.push({ path, line, value: text, reason });
    return;
  }
  const parsed = safeParseScopedRef(text);
  if (parsed.ok) found.refs.push({ path, line, ...parsed.value });
  else found.invalid.push({ path, line, value: text, message: parsed.message });
}

function failure(code: PipelineErrorCode, message: string): HarnessRefExtraction {
  return { ok: false, errors: [{ code, path: '', message }] };
}
