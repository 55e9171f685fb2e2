import type { z } from 'zod';
import { formatPath, valueAt, type FieldPath } from './paths';

/** A problem with one field, named by its full path: the material of an HTTP 400. */
export interface FieldIssue {
  path: string;
  message: string;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/**
 * A person-readable message for a zod issue. Never includes the rejected value: it may be a credential typed
 * into the wrong field.
 */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const missing = valueAt(input, issue.path) === undefined;
  switch (issue.code) {
    case 'invalid_type':
      return missing ? 'is required' : `must be ${EXPECTED[issue.expected] ?? issue.expected}`;
    case 'invalid_value': {
      const choices = issue.values.map(String).join(', ');
      if (missing) return `is required: one of ${choices}`;
      return issue.values.length === 1 ? `must be ${choices}` : `must be one of ${choices}`;
    }
    case 'invalid_union': {
      const options = 'options' in issue && issue.options ? issue.options.map(String).join(', ') : undefined;
      if (issue.discriminator !== undefined && options) {
        return missing ? `is required: one of ${options}` : `must be one of ${options}`;
      }
      return missing ? 'is required' : 'does not match any accepted form';
    }
    default:
      return issue.message;
  }
}

export function toFieldIssues(issues: readonly z.core.$ZodIssue[], input: unknown, base: FieldPath): FieldIssue[] {
  return issues.map((issue) => ({
    path: formatPath([...base, ...issue.path]),
    message: describeIssue(issue, input),
  }));
}
