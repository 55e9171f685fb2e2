import { PipeTransform } from '@nestjs/common';
import { z, ZodError } from 'zod';
import { ApiError } from './api-error';

export interface FieldIssue {
  path: string;
  message: string;
}

/** Flattens zod issues to `{path: 'spec.url', message}` with the path named in the message too. */
export function zodIssues(error: ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)';
    return { path, message: `${path}: ${issue.message}` };
  });
}

/** Validates a body, query or param against a zod schema; a failure is a 400 naming every field at fault. */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly where: 'body' | 'query' | 'param' = 'body',
  ) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issues = zodIssues(parsed.error, this.where === 'body' ? '' : this.where);
    throw ApiError.badRequest(issues[0]?.message ?? 'invalid input', issues);
  }
}
