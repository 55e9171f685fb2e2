import { z } from 'zod';

/** An identifier of a connector, secret, organization or project: immutable, referenced from YAML. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** `x` (project), `org.x` or `account.x`: how connectors and secrets are referenced across scopes. */
const SCOPED_REFERENCE_PATTERN = /^(?:(account|org)\.)?([A-Za-z_][A-Za-z0-9_]{0,127})$/;

export type ReferenceScope = 'account' | 'org' | 'project';

export interface ScopedReference {
  scope: ReferenceScope;
  identifier: string;
}

export type ReferenceKind = 'connector' | 'secret';

/** A connector or secret reference that does not follow the `x` / `org.x` / `account.x` syntax. */
export class InvalidReferenceError extends Error {
  readonly code = 'INVALID_REFERENCE';

  constructor(
    readonly kind: ReferenceKind,
    /** The reference as written; empty for secret references, which are never echoed (see secretRefProblem). */
    readonly reference: string,
    readonly reason: string,
  ) {
    super(
      kind === 'connector'
        ? `connector reference '${reference}' is invalid: ${reason}`
        : `secret reference is invalid: ${reason}`,
    );
    this.name = 'InvalidReferenceError';
  }
}

const IDENTIFIER_RULE = 'letters, digits and _, not starting with a digit, at most 128 characters';
const REFERENCE_FORMS = '`name` (project), `org.name` or `account.name`';

/**
 * Why `text` is not a scoped reference, or undefined if it is one. The reason never repeats the text: a
 * credential pasted into a reference field by mistake must not come back in an error message or a log.
 */
export function referenceProblem(text: string): string | undefined {
  if (SCOPED_REFERENCE_PATTERN.test(text)) return looksLikeCredential(text) ? CREDENTIAL_MESSAGE : undefined;
  if (text.length === 0) return 'is empty';
  if (/^secretRef:/i.test(text)) {
    return `Harness's \`secretRef:\` prefix is not part of a reference; write the reference alone: ${REFERENCE_FORMS}`;
  }
  if (/^project\./.test(text)) return `project references have no prefix; write ${REFERENCE_FORMS}`;
  if (/\s/.test(text)) return `a reference has no spaces; write ${REFERENCE_FORMS} (${IDENTIFIER_RULE})`;
  return `must be ${REFERENCE_FORMS}, where name is ${IDENTIFIER_RULE}`;
}

/**
 * Some credentials fit the identifier syntax (GitHub tokens, AWS key ids, hex API keys). Accepted as a reference,
 * such a value would later be shown as the name of a missing secret, so it is refused here.
 */
const CREDENTIAL_SHAPES = [
  /^(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{30,}$/,
  /^(?:AKIA|ASIA)[0-9A-Z]{16}$/,
  /^npm_[A-Za-z0-9]{36}$/,
  /^[a-f][0-9a-f]{31,}$/i,
];

const CREDENTIAL_MESSAGE =
  "looks like a credential, not a reference: store it as a secret and give the secret's identifier";

function looksLikeCredential(reference: string): boolean {
  const identifier = reference.replace(/^(?:account|org)\./, '');
  return CREDENTIAL_SHAPES.some((shape) => shape.test(identifier));
}

function parseScopedReference(kind: ReferenceKind, text: string): ScopedReference {
  const match = SCOPED_REFERENCE_PATTERN.exec(text);
  if (!match) {
    const shown = kind === 'connector' ? text.slice(0, 160) : '';
    throw new InvalidReferenceError(kind, shown, referenceProblem(text) ?? 'is invalid');
  }
  const prefix = match[1];
  const identifier = match[2] as string;
  return { scope: prefix === 'account' ? 'account' : prefix === 'org' ? 'org' : 'project', identifier };
}

/**
 * `account.x` → {scope: 'account', identifier: 'x'}; `org.x` → org; `x` → project.
 * @throws InvalidReferenceError naming the reference.
 */
export function parseConnectorRef(reference: string): ScopedReference {
  return parseScopedReference('connector', reference);
}

/**
 * Same syntax and scopes as connector references.
 * @throws InvalidReferenceError, whose message does not repeat the text.
 */
export function parseSecretRef(reference: string): ScopedReference {
  return parseScopedReference('secret', reference);
}

/** The inverse of parseConnectorRef / parseSecretRef. */
export function formatScopedRef(reference: ScopedReference): string {
  return reference.scope === 'project' ? reference.identifier : `${reference.scope}.${reference.identifier}`;
}

/** JSON Schema keyword that marks a field holding a secret reference (never a value). */
export const SECRET_REF_MARK = 'x-conduit-secret-ref';

/**
 * A field that holds a reference to a secret, never the secret itself. The mark travels with the schema (zod's
 * registry, inherited by `.describe()` copies) so secret fields are found by walking the schema, and it appears
 * in the JSON Schema as `"x-conduit-secret-ref": true`.
 */
export function secretRef(description = 'Reference to a secret: `name`, `org.name` or `account.name`') {
  return z
    .string()
    .regex(SCOPED_REFERENCE_PATTERN, { error: (issue) => referenceProblem(String(issue.input)) })
    .refine((reference) => !looksLikeCredential(reference), { error: CREDENTIAL_MESSAGE })
    .meta({ [SECRET_REF_MARK]: true, description });
}

export function isSecretRefSchema(schema: z.core.$ZodType): boolean {
  return z.globalRegistry.get(schema)?.[SECRET_REF_MARK] === true;
}

/** An identifier field (connector, organization, project). Identifiers are names, so errors may show them. */
export function identifier(description = 'Identifier: letters, digits and _, not starting with a digit') {
  return z
    .string()
    .regex(IDENTIFIER_PATTERN, {
      error: (issue) => {
        const text = String(issue.input).slice(0, 160);
        if (/\s/.test(text)) return `'${text}' is not an identifier: it contains spaces (${IDENTIFIER_RULE})`;
        return `'${text}' is not an identifier (${IDENTIFIER_RULE})`;
      },
    })
    .meta({ description });
}
