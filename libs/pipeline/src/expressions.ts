import { quoteText, safeParseScopedRef, ScopedRef } from './scoped-ref';

/**
 * Secret expressions: `<+secrets.getValue("org.db_password")>` (single quotes too) inside env values and
 * step commands. The control plane only parses them, to validate and to know which secrets a step needs;
 * the delegate substitutes them after decrypting.
 *
 * Any `<+` followed by a letter starts an expression. Only the secrets call is supported, so any other
 * (`<+pipeline.variables.x>`) is reported rather than passed through as literal text that would surprise.
 */

const EXPRESSION_OPEN = '<+';
const SECRET_CALL = '<+secrets.getValue(';
const EXAMPLE = '<+secrets.getValue("org.db_password")>';

/** Where something sits in the text: offsets (end exclusive) and the 1-based line and column of `start`. */
export interface TextSpan {
  start: number;
  end: number;
  line: number;
  column: number;
}

export interface SecretExpression extends ScopedRef, TextSpan {
  /** The expression exactly as written. */
  source: string;
}

export interface ExpressionError extends TextSpan {
  message: string;
}

export interface ParsedExpressions {
  expressions: SecretExpression[];
  errors: ExpressionError[];
}

type Read = { end: number; ref: ScopedRef } | { end: number; message: string };
type Quoted = { kind: 'quoted'; value: string; end: number } | { kind: 'unquoted' } | { kind: 'unterminated' };

/** Finds every secret expression in a text, and every malformed or unsupported one, with positions. */
export function parseSecretExpressions(text: string): ParsedExpressions {
  const expressions: SecretExpression[] = [];
  const errors: ExpressionError[] = [];
  const spanOf = spanFinder(text);
  let at = text.indexOf(EXPRESSION_OPEN);
  while (at !== -1) {
    // `<+` not followed by a letter is ordinary text (`a <+ b`), not an expression.
    if (!/[A-Za-z]/.test(text.charAt(at + EXPRESSION_OPEN.length))) {
      at = text.indexOf(EXPRESSION_OPEN, at + EXPRESSION_OPEN.length);
      continue;
    }
    const read = readExpression(text, at);
    const span = spanOf(at, read.end);
    if ('ref' in read) expressions.push({ ...read.ref, ...span, source: text.slice(at, read.end) });
    else errors.push({ ...span, message: read.message });
    at = text.indexOf(EXPRESSION_OPEN, read.end);
  }
  return { expressions, errors };
}

export class SecretExpressionError extends Error {
  constructor(readonly errors: readonly ExpressionError[]) {
    super(errors.map((e) => `line ${e.line}, column ${e.column}: ${e.message}`).join('; '));
    this.name = 'SecretExpressionError';
  }
}

/**
 * Replaces every secret expression with the value `resolve` returns for it. For env values on the delegate,
 * after decryption; the caller registers each value with the masker. Throws SecretExpressionError (naming
 * positions and references, never values) when the text holds a malformed expression.
 */
export function renderSecretExpressions(text: string, resolve: (ref: ScopedRef) => string): string {
  return replaceExpressions(text, expressionsOrThrow(text), (expression) =>
    resolve({ ref: expression.ref, scope: expression.scope, identifier: expression.identifier }),
  );
}

export const SECRET_ENV_PREFIX = 'CONDUIT_SECRET_';

/** One environment variable that carries one secret into a step's process. */
export interface SecretEnvBinding {
  name: string;
  ref: ScopedRef;
}

export interface SecretsAsEnv {
  text: string;
  /** Every binding: those passed in, then new ones in order of first use. */
  bindings: SecretEnvBinding[];
}

/**
 * Replaces every secret expression with a shell parameter expansion (`${CONDUIT_SECRET_1}`) and returns
 * which secret each variable must hold. This is what the product does for step commands: the secret value
 * reaches the process as a (masked) environment value and never appears in the script text itself.
 * The same reference gets the same variable; pass earlier bindings to keep numbering across texts.
 * Caveat: the expansion happens only where the shell expands variables (not inside single quotes).
 */
export function bindSecretExpressionsToEnv(text: string, existing: readonly SecretEnvBinding[] = []): SecretsAsEnv {
  const bindings = [...existing];
  const nameByRef = new Map(existing.map((binding) => [binding.ref.ref, binding.name]));
  const rendered = replaceExpressions(text, expressionsOrThrow(text), (expression) => {
    let name = nameByRef.get(expression.ref);
    if (name === undefined) {
      name = `${SECRET_ENV_PREFIX}${bindings.length + 1}`;
      nameByRef.set(expression.ref, name);
      bindings.push({ name, ref: { ref: expression.ref, scope: expression.scope, identifier: expression.identifier } });
    }
    return `\${${name}}`;
  });
  return { text: rendered, bindings };
}

function expressionsOrThrow(text: string): SecretExpression[] {
  const { expressions, errors } = parseSecretExpressions(text);
  if (errors.length > 0) throw new SecretExpressionError(errors);
  return expressions;
}

// Slices rather than String.replace, so `$&` and friends in a secret value stay literal.
function replaceExpressions(
  text: string,
  expressions: readonly SecretExpression[],
  replacement: (expression: SecretExpression) => string,
): string {
  let out = '';
  let last = 0;
  for (const expression of expressions) {
    out += text.slice(last, expression.start) + replacement(expression);
    last = expression.end;
  }
  return out + text.slice(last);
}

function readExpression(text: string, start: number): Read {
  if (!text.startsWith(SECRET_CALL, start)) {
    const end = expressionEnd(text, start);
    const shown = show(text, start, end);
    return text.startsWith('<+secrets.', start)
      ? { end, message: `malformed secret expression ${shown}: write it as ${EXAMPLE}` }
      : { end, message: `unsupported expression ${shown}: only ${EXAMPLE} is evaluated` };
  }
  const quoted = readQuoted(text, skipBlanks(text, start + SECRET_CALL.length));
  if (quoted.kind === 'unquoted') {
    const end = expressionEnd(text, start);
    return {
      end,
      message: `malformed secret expression ${show(text, start, end)}: the reference must be quoted, as in ${EXAMPLE}`,
    };
  }
  if (quoted.kind === 'unterminated') {
    const end = lineEnd(text, start);
    return {
      end,
      message: `unterminated secret expression ${show(text, start, end)}: the quoted reference is not closed`,
    };
  }
  const close = skipBlanks(text, quoted.end);
  if (!text.startsWith(')>', close)) {
    const end = expressionEnd(text, start);
    const closed = text.charAt(end - 1) === '>';
    return {
      end,
      message: closed
        ? `malformed secret expression ${show(text, start, end)}: expected ')>' right after the quoted reference`
        : `unterminated secret expression ${show(text, start, end)}: expected ')>' after the quoted reference`,
    };
  }
  const end = close + 2;
  const parsed = safeParseScopedRef(quoted.value);
  if (!parsed.ok) return { end, message: `secret expression ${show(text, start, end)}: ${parsed.message}` };
  return { end, ref: parsed.value };
}

/**
 * Reads the quoted reference. Inside quotes a backslash escapes the next character. The quotes themselves may
 * be escaped too — `getValue(\"org.x\")` — as when the expression sits inside a double-quoted shell string.
 */
function readQuoted(text: string, at: number): Quoted {
  const escapedDelimiters = text[at] === '\\' && isQuote(text[at + 1]);
  if (!escapedDelimiters && !isQuote(text[at])) return { kind: 'unquoted' };
  const quote = escapedDelimiters ? text[at + 1] : text[at];
  let i = at + (escapedDelimiters ? 2 : 1);
  let value = '';
  while (i < text.length && text[i] !== '\n') {
    const c = text[i];
    if (escapedDelimiters) {
      if (c === '\\' && text[i + 1] === quote) return { kind: 'quoted', value, end: i + 2 };
    } else if (c === '\\' && i + 1 < text.length && text[i + 1] !== '\n') {
      value += text[i + 1];
      i += 2;
      continue;
    } else if (c === quote) {
      return { kind: 'quoted', value, end: i + 1 };
    }
    value += c;
    i += 1;
  }
  return { kind: 'unterminated' };
}

function isQuote(c: string | undefined): boolean {
  return c === '"' || c === "'";
}

function skipBlanks(text: string, at: number): number {
  let i = at;
  while (text[i] === ' ' || text[i] === '\t') i += 1;
  return i;
}

function lineEnd(text: string, at: number): number {
  const newline = text.indexOf('\n', at);
  return newline === -1 ? text.length : newline;
}

/** For messages only: the expression runs to the first `>` on its line, or to the end of the line. */
function expressionEnd(text: string, start: number): number {
  const end = lineEnd(text, start);
  const close = text.indexOf('>', start);
  return close !== -1 && close < end ? close + 1 : end;
}

function show(text: string, start: number, end: number): string {
  return quoteText(text.slice(start, end).trimEnd());
}

function spanFinder(text: string): (start: number, end: number) => TextSpan {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return (start, end) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (lineStarts[mid] <= start) low = mid;
      else high = mid - 1;
    }
    return { start, end, line: low + 1, column: start - lineStarts[low] + 1 };
  };
}
