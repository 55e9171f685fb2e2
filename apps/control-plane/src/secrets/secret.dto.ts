import { sealedSecretSchema } from '@conduit/crypto';
import { DelegateName } from '@conduit/protocol';
import { z } from 'zod';
import { DisplayName, Identifier, ScopeQuerySchema } from '../common/identifier';

const Tags = z.record(z.string().regex(/^[A-Za-z0-9_.:/-]{1,64}$/), z.string().max(256)).default({});

/** A value in the clear, sealed by the control plane on arrival and never stored or echoed as such. */
const PlainValue = z.union([
  z.object({ value: z.string().min(1).max(64 * 1024) }).strict(),
  z.object({ base64: z.base64().min(1).max(1024 * 1024), fileName: z.string().max(255).optional() }).strict(),
  z.object({ privateKey: z.string().min(1).max(16 * 1024), passphrase: z.string().max(1024).optional() }).strict(),
  z.object({ certificate: z.string().min(1).max(64 * 1024), privateKey: z.string().min(1).max(16 * 1024), ca: z.string().max(256 * 1024).optional() }).strict(),
]);

export const ExternalReference = z
  .object({
    manager: z.string().regex(/^((account|org)\.)?[A-Za-z_][A-Za-z0-9_]{0,127}$/, "a secret manager connector: 'x', 'org.x' or 'account.x'"),
    path: z.string().min(1).max(1024),
    key: z.string().min(1).max(256).optional(),
    version: z.string().min(1).max(64).optional(),
  })
  .strict();

/** Exactly one of: a plain value, a value sealed by the client, or a reference to an external manager. */
const ValueSource = {
  value: PlainValue.optional(),
  sealed: sealedSecretSchema.optional(),
  reference: ExternalReference.optional(),
};

const exactlyOne = (body: { value?: unknown; sealed?: unknown; reference?: unknown }) =>
  [body.value, body.sealed, body.reference].filter((v) => v !== undefined).length === 1;

export const SecretInput = z
  .object({
    identifier: Identifier,
    name: DisplayName,
    description: z.string().max(2048).default(''),
    tags: Tags,
    kind: z.enum(['text', 'file', 'ssh-key', 'certificate', 'reference']),
    /** May platform-run operations (from the control plane) open it? Then it is also sealed to the master key. */
    allowPlatformUse: z.boolean().default(false),
    ...ValueSource,
  })
  .strict()
  .refine(exactlyOne, { message: 'give exactly one of value, sealed or reference', path: ['value'] });
export type SecretInput = z.infer<typeof SecretInput>;

/** A new version: the same sources; `version` is the one being created (current + 1), which client sealing binds to. */
export const SecretValueUpdate = z
  .object({ version: z.number().int().min(2), ...ValueSource })
  .strict()
  .refine(exactlyOne, { message: 'give exactly one of value, sealed or reference', path: ['value'] });
export type SecretValueUpdate = z.infer<typeof SecretValueUpdate>;

export const SecretListQuery = ScopeQuerySchema.extend({
  includeParentScopes: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false),
});

/** Delegate groups to add as recipients of a secret's current version (by a delegate that can open it). */
export const SecretResealInput = z
  .object({
    groups: z.array(DelegateName).min(1).max(64),
    /** How long to wait for the re-seal task before answering 202 (it is applied when it finishes either way). */
    waitMs: z.number().int().min(0).max(120_000).default(60_000),
  })
  .strict();
export type SecretResealInput = z.infer<typeof SecretResealInput>;
