/**
 * The stored, JSON-safe form of an encrypted secret value (see envelope.ts for the algorithm).
 * Every binary field is unpadded base64url.
 */
import { z } from 'zod';
import { IV_BYTES, KEY_BYTES, TAG_BYTES } from './aes-gcm';
import { fromBase64Url } from './encoding';
import { CryptoError } from './errors';
import { X25519_KEY_BYTES } from './keys';

export const SEALED_SECRET_VERSION = 1;
export const CONTENT_ALG = 'A256GCM';
export const GROUP_WRAP_ALG = 'ECDH-X25519+HKDF-SHA256+A256GCM';
export const MASTER_WRAP_ALG = 'HKDF-SHA256+A256GCM';
export const MASTER_SALT_BYTES = 32;

/** The data key wrapped for a delegate group's X25519 public key. */
export interface GroupRecipientEntry {
  kind: 'group';
  groupId: string;
  /** publicKeyFingerprint of the group public key the data key was wrapped to. */
  keyId: string;
  alg: typeof GROUP_WRAP_ALG;
  /** Ephemeral X25519 public key, raw 32 bytes. */
  epk: string;
  iv: string;
  wrappedKey: string;
  tag: string;
}

/** The data key wrapped for the control plane's master key. */
export interface MasterRecipientEntry {
  kind: 'master';
  keyId: string;
  alg: typeof MASTER_WRAP_ALG;
  /** Random HKDF salt, 32 bytes: each wrap gets its own key-encryption key. */
  salt: string;
  iv: string;
  wrappedKey: string;
  tag: string;
}

export type RecipientEntry = GroupRecipientEntry | MasterRecipientEntry;

export interface SealedSecret {
  v: typeof SEALED_SECRET_VERSION;
  alg: typeof CONTENT_ALG;
  iv: string;
  ciphertext: string;
  tag: string;
  recipients: RecipientEntry[];
}

/** Ids are labels chosen by operators; kept to printable characters so they are safe in messages. */
export const MASTER_KEY_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const GROUP_ID_MAX = 256;

function bytes(length?: number) {
  return z.string().refine(
    (text) => {
      const decoded = fromBase64Url(text);
      return decoded !== null && (length === undefined || decoded.length === length);
    },
    {
      message: length === undefined ? 'expected unpadded base64url' : `expected ${length} bytes as unpadded base64url`,
    },
  );
}

const groupEntrySchema = z.strictObject({
  kind: z.literal('group'),
  groupId: z.string().min(1).max(GROUP_ID_MAX),
  keyId: bytes(16),
  alg: z.literal(GROUP_WRAP_ALG),
  epk: bytes(X25519_KEY_BYTES),
  iv: bytes(IV_BYTES),
  wrappedKey: bytes(KEY_BYTES),
  tag: bytes(TAG_BYTES),
});

const masterEntrySchema = z.strictObject({
  kind: z.literal('master'),
  keyId: z.string().regex(MASTER_KEY_ID),
  alg: z.literal(MASTER_WRAP_ALG),
  salt: bytes(MASTER_SALT_BYTES),
  iv: bytes(IV_BYTES),
  wrappedKey: bytes(KEY_BYTES),
  tag: bytes(TAG_BYTES),
});

export const sealedSecretSchema: z.ZodType<SealedSecret> = z
  .strictObject({
    v: z.literal(SEALED_SECRET_VERSION),
    alg: z.literal(CONTENT_ALG),
    iv: bytes(IV_BYTES),
    ciphertext: bytes(),
    tag: bytes(TAG_BYTES),
    recipients: z.array(z.discriminatedUnion('kind', [groupEntrySchema, masterEntrySchema])).min(1),
  })
  .superRefine((sealed, ctx) => {
    const seen = new Set<string>();
    sealed.recipients.forEach((entry, index) => {
      const key = recipientEntryKey(entry);
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['recipients', index], message: 'duplicate recipient' });
      seen.add(key);
    });
  });

/** Validates untrusted input (an HTTP body, a database row) as a v1 SealedSecret; BAD_FORMAT otherwise. */
export function parseSealedSecret(value: unknown): SealedSecret {
  const result = sealedSecretSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new CryptoError('BAD_FORMAT', `not a v1 sealed secret${where}: ${issue?.message ?? 'invalid'}`);
}

/** Identity of an entry: one per (group, key id) and one per master key id. */
export function recipientEntryKey(
  entry: { kind: 'group'; groupId: string; keyId: string } | { kind: 'master'; keyId: string },
): string {
  return entry.kind === 'group' ? `group\u0000${entry.groupId}\u0000${entry.keyId}` : `master\u0000${entry.keyId}`;
}
