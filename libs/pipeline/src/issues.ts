import type { z } from 'zod';
import { PipelineErrorCode } from './errors';
import type { PathSegment } from './paths';
import { describeValue, IssueParams } from './schema';

/** A zod issue turned into our terms; the path still runs from the document root. */
export interface FieldIssue {
  path: PathSegment[];
  code: PipelineErrorCode;
  message: string;
  /** For errors inside a text value: the line within that value (1-based). */
  valueLine?: number;
}

/** Steers people who write Harness-style or near-miss field names to ours. */
const FIELD_HINTS: Readonly<Record<string, string>> = {
  variables: "environment variables go in 'env', a mapping of NAME: value",
  connectorRef: "use 'connector'",
  failureStrategies: "use 'failureStrategy' (one strategy)",
  delegateSelector: "use 'delegateSelectors' (a list)",
  deployTo: "use 'deploy-to'",
  deploy_to: "use 'deploy-to'",
  script: "use 'command'",
};

export function toFieldIssues(issue: z.core.$ZodIssue): FieldIssue[] {
  const path = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
  switch (issue.code) {
    case 'unrecognized_keys':
      // One error per key, each at the key's own line.
      return issue.keys.map((key) => ({
        path: [...path, key],
        code: PipelineErrorCode.UnknownField,
        message: `unknown field '${key.slice(0, 64)}': ${FIELD_HINTS[key] ?? issue.message}`,
      }));
    case 'invalid_type':
      return issue.input === undefined
        ? [{ path, code: PipelineErrorCode.Required, message: `${describeField(path)} is required` }]
        : [
            {
              path,
              code: PipelineErrorCode.InvalidType,
              message: `expected ${expectedType(issue.expected)}, got ${describeValue(issue.input)}`,
            },
          ];
    case 'invalid_union':
      if (issue.input === undefined) return [{ path, code: PipelineErrorCode.Required, message: `${describeField(path)} is required` }];
      return [
        {
          path,
          code: discriminatorMissing(issue) ? PipelineErrorCode.Required : PipelineErrorCode.UnknownType,
          message: issue.message,
        },
      ];
    case 'invalid_value':
      return [
        {
          path,
          code: PipelineErrorCode.InvalidValue,
          message: `${describeInput(issue.input)} is not allowed here: use ${issue.values.map(String).join(' or ')}`,
        },
      ];
    case 'invalid_key':
      return [{ path, code: PipelineErrorCode.InvalidValue, message: issue.issues[0]?.message ?? issue.message }];
    case 'custom': {
      const params = issue.params as IssueParams | undefined;
      return [
        {
          path,
          code: params?.code ?? PipelineErrorCode.InvalidValue,
          message: issue.message,
          ...(params?.valueLine === undefined ? {} : { valueLine: params.valueLine }),
        },
      ];
    }
    default:
      return [{ path, code: PipelineErrorCode.InvalidValue, message: issue.message }];
  }
}

function describeField(path: PathSegment[]): string {
  const last = path[path.length - 1];
  return typeof last === 'string' ? `'${last}'` : 'this item';
}

function describeInput(input: unknown): string {
  return typeof input === 'string' ? `'${input.slice(0, 64)}'` : describeValue(input);
}

function expectedType(expected: string): string {
  switch (expected) {
    case 'string':
      return 'text';
    case 'object':
    case 'record':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    default:
      return expected;
  }
}

function discriminatorMissing(issue: z.core.$ZodIssueInvalidUnion): boolean {
  const input = issue.input;
  const discriminator = (issue as { discriminator?: unknown }).discriminator;
  return (
    typeof discriminator === 'string' &&
    typeof input === 'object' &&
    input !== null &&
    (input as Record<string, unknown>)[discriminator] === undefined
  );
}
