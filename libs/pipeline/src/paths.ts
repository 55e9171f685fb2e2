import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, Node } from 'yaml';
import { PipelineError, PipelineErrorCode } from './errors';

/** One step into a YAML tree: a mapping key or a list index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['stages', 1, 'spec', 'connector']` → `stages[1].spec.connector`; odd keys as `env["A B"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

export interface Located {
  /** Line (1-based) of the deepest part of the path present in the document: a missing field reports its parent. */
  line?: number;
  /** The node at the full path, when the whole path exists. */
  node?: Node;
}

/** Finds where a path points in the parsed YAML, so errors found on plain data can name a line. */
export function locate(doc: Document, lines: LineCounter, path: readonly PathSegment[]): Located {
  let node: unknown = doc.contents;
  let line = lineOf(lines, node);
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return { line };
      line = lineOf(lines, pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment];
      line = lineOf(lines, node) ?? line;
    } else {
      return { line };
    }
  }
  return { line, node: isNode(node) ? node : undefined };
}

/** Line of a node's first character. */
export function lineOf(lines: LineCounter, node: unknown): number | undefined {
  if (!isNode(node) || !node.range) return undefined;
  return lines.linePos(node.range[0]).line;
}

function isNode(value: unknown): value is Node {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value);
}

/** The parser's errors, each with its line; yaml's own message repeats the position and an excerpt, so those are cut. */
export function syntaxErrors(doc: Document): PipelineError[] {
  return doc.errors.map((error) => ({
    code: PipelineErrorCode.YamlSyntax,
    path: '',
    ...(error.linePos ? { line: error.linePos[0].line } : {}),
    message: `YAML syntax error: ${error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').trim()}`,
  }));
}
