import { CryptoError } from './errors';

/** The record a secret value belongs to; bound into every AAD so a ciphertext cannot be moved. */
export interface SecretContext {
  secretId: string;
  version: number;
}

// Node caps HKDF info at 1024 bytes; the id is part of it.
const MAX_ID_BYTES = 512;
const MAX_UINT32 = 0xffff_ffff;

/** u32be(length) || bytes: length-prefixing keeps the encoding unambiguous whatever the id holds. */
export function lengthPrefixed(bytes: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** context(ctx) = lp(utf8(secretId)) || u32be(version). */
export function contextBytes(ctx: SecretContext): Buffer {
  const id = Buffer.from(ctx.secretId ?? '', 'utf8');
  if (typeof ctx.secretId !== 'string' || id.length === 0 || id.length > MAX_ID_BYTES) {
    throw new CryptoError('INVALID_INPUT', `secretId must be a non-empty string of at most ${MAX_ID_BYTES} bytes`);
  }
  if (!Number.isInteger(ctx.version) || ctx.version < 0 || ctx.version > MAX_UINT32) {
    throw new CryptoError('INVALID_INPUT', `version of secret '${ctx.secretId}' must be an integer in 0..2^32-1`);
  }
  const version = Buffer.alloc(4);
  version.writeUInt32BE(ctx.version);
  return Buffer.concat([lengthPrefixed(id), version]);
}

/** AAD of the value ciphertext: "conduit/v1/secret" || context. */
export function contentAad(ctx: SecretContext): Buffer {
  return Buffer.concat([Buffer.from('conduit/v1/secret', 'utf8'), contextBytes(ctx)]);
}

/** HKDF info for every key-encryption key: "conduit/v1/wrap" || context. */
export function wrapInfo(ctx: SecretContext): Buffer {
  return Buffer.concat([Buffer.from('conduit/v1/wrap', 'utf8'), contextBytes(ctx)]);
}

/** AAD of a wrapped data key: wrapInfo || lp(utf8(kind)) || lp(utf8(label)); authenticates the entry's header. */
export function wrapAad(ctx: SecretContext, kind: 'group' | 'master', label: string): Buffer {
  return Buffer.concat([
    wrapInfo(ctx),
    lengthPrefixed(Buffer.from(kind, 'utf8')),
    lengthPrefixed(Buffer.from(label, 'utf8')),
  ]);
}
