/**
 * API keys and delegate tokens: `<prefix>_<id>_<secret>`.
 * - prefix: 2-16 lower-case letters/digits naming the kind of token (e.g. `cdk`, `cdt`), so a leaked
 *   token is recognisable by secret scanners.
 * - id: 12 lower-case hex characters (48 random bits), stored in clear for lookup.
 * - secret: 32 random bytes as unpadded base64url (43 characters; may itself contain `_` or `-`).
 * Only hashSecretToken(token) is stored. Tokens carry 256 random bits, so a plain SHA-256 (no slow
 * KDF) is enough; comparison is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { fromBase64Url } from './encoding';
import { CryptoError } from './errors';

const PREFIX = /^[a-z][a-z0-9]{1,15}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const SECRET_BYTES = 32;

export interface ParsedToken {
  id: string;
  secret: string;
}

export function generateToken(prefix: string): string {
  assertPrefix(prefix);
  return `${prefix}_${randomBytes(6).toString('hex')}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

/** Splits a token of the given kind; null for anything else (wrong prefix, shape or length). */
export function parseToken(token: string, prefix: string): ParsedToken | null {
  assertPrefix(prefix);
  const match = /^([a-z0-9]+)_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(token);
  if (match === null || match[1] !== prefix) return null;
  const secret = fromBase64Url(match[3]);
  if (secret === null || secret.length !== SECRET_BYTES) return null;
  return { id: match[2], secret: match[3] };
}

/** SHA-256 hex of the whole token (prefix and id included, so a hash is bound to its token kind). */
export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function verifySecretToken(token: string, hash: string): boolean {
  if (!SHA256_HEX.test(hash)) return false;
  return timingSafeEqual(Buffer.from(hashSecretToken(token), 'hex'), Buffer.from(hash, 'hex'));
}

function assertPrefix(prefix: string): void {
  if (!PREFIX.test(prefix)) {
    throw new CryptoError(
      'INVALID_INPUT',
      'token prefix must be 2-16 lower-case letters or digits, starting with a letter',
    );
  }
}
