import { parseSecretExpressions, renderSecretExpressions } from '@conduit/pipeline';
import type { FieldIssue } from './issues';

export interface ExpressionUse {
  /** `spec.headers[0].value` */
  path: string;
  ref: string;
}

function walk(value: unknown, path: string, visit: (text: string, path: string) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`, visit));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`, visit);
}

/**
 * `<+secrets.getValue("org.db_password")>` written inside a connector's plain fields (a header value, a
 * URL's query): the references they name, and any malformed expression, by field path.
 */
export function specExpressions(spec: Record<string, unknown>): { uses: ExpressionUse[]; issues: FieldIssue[] } {
  const uses: ExpressionUse[] = [];
  const issues: FieldIssue[] = [];
  walk(spec, 'spec', (text, path) => {
    if (!text.includes('<+')) return;
    const parsed = parseSecretExpressions(text);
    uses.push(...parsed.expressions.map((e) => ({ path, ref: e.ref })));
    issues.push(...parsed.errors.map((e) => ({ path, message: `${path}: ${e.message}` })));
  });
  return { uses, issues };
}

/** A copy of the spec with every expression replaced by what `resolve` returns for its reference. */
export function renderSpecExpressions(spec: Record<string, unknown>, resolve: (ref: string) => string): Record<string, unknown> {
  const render = (value: unknown): unknown => {
    if (typeof value === 'string') return value.includes('<+') ? renderSecretExpressions(value, ({ ref }) => resolve(ref)) : value;
    if (Array.isArray(value)) return value.map(render);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v)]));
    return value;
  };
  return render(spec) as Record<string, unknown>;
}
