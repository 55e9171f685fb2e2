import { IDENTIFIER_PATTERN } from '@conduit/connectors';
import { z } from 'zod';

/** Identifiers of connectors, secrets, pipelines, organizations and projects: immutable, used in YAML. */
export const Identifier = z
  .string()
  .regex(IDENTIFIER_PATTERN, 'must start with a letter or _, then letters, digits or _ (at most 128)');

export const DisplayName = z.string().trim().min(1).max(256);

/** `?org=…&project=…` on any scoped route. */
export const ScopeQuerySchema = z.object({
  org: Identifier.optional(),
  project: Identifier.optional(),
});
