import { CONNECTOR_CATEGORIES } from '@conduit/connectors';
import { z } from 'zod';
import { DisplayName, Identifier, ScopeQuerySchema } from '../common/identifier';

const Tags = z
  .record(z.string().regex(/^[A-Za-z0-9_.:/-]{1,64}$/, 'tag keys are letters, digits and _ . : / - (at most 64)'), z.string().max(256))
  .refine((tags) => Object.keys(tags).length <= 50, 'at most 50 tags')
  .default({});

/** A connector in Conduit's own JSON shape (the YAML import takes Harness's document shape). */
export const ConnectorInput = z
  .object({
    identifier: Identifier,
    name: DisplayName,
    description: z.string().max(2048).default(''),
    tags: Tags,
    type: z.string().min(1).max(64),
    spec: z.record(z.string(), z.unknown()),
  })
  .strict();
export type ConnectorInput = z.infer<typeof ConnectorInput>;

/** Update: everything but identifier and scope may change; `version` is the one the client last read. */
export const ConnectorUpdate = ConnectorInput.extend({ version: z.number().int().positive() }).strict();
export type ConnectorUpdate = z.infer<typeof ConnectorUpdate>;

export const ConnectorListQuery = ScopeQuerySchema.extend({
  type: z.string().max(64).optional(),
  category: z.enum(CONNECTOR_CATEGORIES).optional(),
  status: z.enum(['UNCONFIGURED', 'ACTIVE', 'FAILED']).optional(),
  /** `key:value` (repeatable); every one must match. */
  tag: z
    .union([z.string(), z.array(z.string())])
    .transform((t) => (Array.isArray(t) ? t : [t]))
    .pipe(z.array(z.string().regex(/^[^:]{1,64}:.{0,256}$/, 'tag: use key:value')).max(20))
    .optional(),
  search: z.string().max(128).optional(),
  includeParentScopes: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(256).optional(),
});
export type ConnectorListQuery = z.infer<typeof ConnectorListQuery>;

export const ConnectorRefParam = z.string().regex(/^((account|org)\.)?[A-Za-z_][A-Za-z0-9_]{0,127}$/, "use 'x', 'org.x' or 'account.x'");

export const DeleteQuery = ScopeQuerySchema.extend({
  force: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false),
});

export const GetQuery = ScopeQuerySchema.extend({ format: z.enum(['json', 'yaml']).default('json') });
