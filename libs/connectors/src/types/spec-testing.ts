// Test helpers for the per-type spec files: assert on what the create/update API would answer.
import { validateConnectorSpec } from '../catalog';
import type { FieldIssue } from '../schema/issues';

export function expectValid(type: string, spec: Record<string, unknown>): void {
  const result = validateConnectorSpec(type, spec);
  expect(result.ok ? [] : result.issues).toEqual([]);
  expect(result).toEqual({ ok: true, spec });
}

export function issuesOf(type: string, spec: unknown): FieldIssue[] {
  const result = validateConnectorSpec(type, spec);
  return result.ok ? [] : result.issues;
}

/** The spec is refused, and one of the issues names `path` (with `message` in its text, when given). */
export function expectIssue(type: string, spec: unknown, path: string, message?: string | RegExp): void {
  const issues = issuesOf(type, spec);
  const expected =
    message === undefined
      ? expect.any(String)
      : typeof message === 'string'
        ? expect.stringContaining(message)
        : expect.stringMatching(message);
  expect(issues).toEqual(expect.arrayContaining([{ path, message: expected }]));
}
