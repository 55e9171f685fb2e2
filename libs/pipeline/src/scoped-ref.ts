/** Where a connector or secret lives: references name the scope by prefix (`account.`, `org.`) or by none. */
export type Scope = 'account' | 'org' | 'project';

export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** A reference as written in YAML (`ref`) and what it points at. */
export interface ScopedRef {
  ref: string;
  scope: Scope;
  identifier: string;
}

export type ScopedRefResult = { ok: true; value: ScopedRef } | { ok: false; message: string };

const FORMS = "use 'account.x', 'org.x' or 'x'";

/** Shows a user-supplied reference in a message without letting a huge one swamp it. */
export function quoteText(ref: string): string {
  return ref.length > 140 ? `'${ref.slice(0, 140)}…'` : `'${ref}'`;
}

/** Parses `account.x`, `org.x` or `x` (project scope); never throws. */
export function safeParseScopedRef(ref: string): ScopedRefResult {
  const fail = (reason: string): ScopedRefResult => ({
    ok: false,
    message: `${quoteText(ref)} is not a valid reference: ${reason}`,
  });
  if (ref === '') return fail(`it is empty; ${FORMS}`);
  const dot = ref.indexOf('.');
  let scope: Scope = 'project';
  let identifier = ref;
  if (dot !== -1) {
    const prefix = ref.slice(0, dot);
    if (prefix !== 'account' && prefix !== 'org') return fail(FORMS);
    scope = prefix;
    identifier = ref.slice(dot + 1);
  }
  if (identifier.includes('.')) return fail(FORMS);
  if (!IDENTIFIER_PATTERN.test(identifier)) {
    return fail(`${quoteText(identifier)} is not an identifier (a letter or _, then up to 127 letters, digits or _)`);
  }
  return { ok: true, value: { ref, scope, identifier } };
}

export class InvalidReferenceError extends Error {
  constructor(
    readonly ref: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidReferenceError';
  }
}

/** Parses `account.x`, `org.x` or `x`; throws an InvalidReferenceError whose message names the reference. */
export function parseScopedRef(ref: string): ScopedRef {
  const parsed = safeParseScopedRef(ref);
  if (!parsed.ok) throw new InvalidReferenceError(ref, parsed.message);
  return parsed.value;
}

/** The reference text for a scope and identifier: the inverse of parseScopedRef. */
export function formatScopedRef(scope: Scope, identifier: string): string {
  return scope === 'project' ? identifier : `${scope}.${identifier}`;
}
