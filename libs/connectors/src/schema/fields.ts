import { z } from 'zod';
import { secretRef } from './references';

/** An absolute http(s) URL: every REST endpoint in the catalog. */
export function httpUrl(description = 'Absolute http(s) URL') {
  return z
    .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL, e.g. https://host.example.com/path' })
    .max(2048)
    .meta({ description });
}

/**
 * A Git remote: `https://…`, `ssh://…`, `git://…` or scp-like `user@host:path`. Which one fits the chosen
 * authentication is left to the connection test: Harness accepts an ssh:// URL with HTTP credentials.
 */
const GIT_URL_PATTERN = /^(?:(?:https?|ssh|git):\/\/[^\s/]+\S*|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S*)$/;

export function gitUrl(description = 'Git URL: https://, ssh://, git:// or user@host:path') {
  return z
    .string()
    .max(2048)
    .regex(GIT_URL_PATTERN, { error: 'must be a Git URL: https://host/path, ssh://host/path or user@host:path' })
    .meta({ description });
}

/** Free text a person types (a username, a region, a repository name): one line, not empty. */
export function text(description: string, max = 256) {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(max)
    .regex(/^[^\r\n]*$/, 'must be a single line')
    .meta({ description });
}

/**
 * Matches @conduit/protocol's DelegateTag, so a selector written here can match a delegate's tag
 * (which the protocol lower-cases; routing compares case-insensitively).
 */
export const DELEGATE_SELECTOR_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/;

const delegateSelector = z
  .string()
  .max(64)
  .regex(DELEGATE_SELECTOR_PATTERN, { error: 'a delegate selector is letters, digits and _ . : / - (at most 64)' });

/**
 * How a connector is reached, present in every spec under Harness's names: the delegates whose tags include
 * all `delegateSelectors` run its tasks; `executeOnDelegate: false` lets the control plane connect directly.
 */
export const connectivityFields = {
  delegateSelectors: z
    .array(delegateSelector)
    .max(64)
    .optional()
    .meta({ description: 'Run on delegates whose tags include all of these' }),
  executeOnDelegate: z
    .boolean()
    .optional()
    .meta({ description: 'true (default): connect through a delegate; false: connect from the control plane' }),
};

/**
 * For types that speak HTTPS: a private CA the server's certificate chains to, trusted besides the public
 * roots, so verification stays on for servers behind an internal PKI (Harness has no such field).
 */
export const serverTrustFields = {
  caCertRef: secretRef('Reference to the PEM CA certificate (or bundle) to trust for the server, besides the public roots').optional(),
};

export interface Connectivity {
  delegateSelectors?: string[] | undefined;
  executeOnDelegate?: boolean | undefined;
}

/**
 * Where a connector's tasks run, read from any spec (every type has these fields): Harness's default is
 * through a delegate.
 */
export function connectivityOf(spec: Record<string, unknown>): {
  delegateSelectors: string[];
  executeOnDelegate: boolean;
} {
  const selectors = spec['delegateSelectors'];
  const executeOnDelegate = spec['executeOnDelegate'];
  return {
    delegateSelectors: Array.isArray(selectors)
      ? selectors.filter((tag): tag is string => typeof tag === 'string')
      : [],
    executeOnDelegate: typeof executeOnDelegate === 'boolean' ? executeOnDelegate : true,
  };
}

type RefinementContext = z.core.$RefinementCtx;

/**
 * Credentials that live on the delegate (instance role, in-cluster service account, agent sink) only exist
 * there: the spec must route to a delegate, and name which ones hold the credentials.
 */
export function requireDelegate(spec: Connectivity, ctx: RefinementContext, why: string): void {
  if (spec.executeOnDelegate === false) {
    ctx.addIssue({ code: 'custom', path: ['executeOnDelegate'], message: `must not be false: ${why}` });
  }
  if (!spec.delegateSelectors?.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['delegateSelectors'],
      message: `name at least one delegate selector: ${why}`,
    });
  }
}

/** Exactly one of two alternative fields, e.g. a plain `username` or a `usernameRef` to a secret. */
export function requireOneOf<T extends object>(
  value: T,
  ctx: RefinementContext,
  plain: keyof T & string,
  reference: keyof T & string,
): void {
  const hasPlain = value[plain] !== undefined;
  const hasReference = value[reference] !== undefined;
  if (hasPlain && hasReference) {
    ctx.addIssue({ code: 'custom', path: [reference], message: `give either ${plain} or ${reference}, not both` });
  } else if (!hasPlain && !hasReference) {
    ctx.addIssue({ code: 'custom', path: [plain], message: `is required (or ${reference}, a secret reference)` });
  }
}
