/**
 * Delegate group key pairs (X25519).
 *
 * - Public key: the raw 32-byte X25519 public key as unpadded base64url (43 chars). This is what the
 *   control plane stores and what clients (browser WebCrypto `exportKey('raw')`, CLI) seal to.
 * - Private key: PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). Chosen over raw bytes because it names
 *   its algorithm, so a wrong kind of key (Ed25519, RSA, EC) is rejected instead of being misread,
 *   and `openssl pkey` can inspect it. It is created on the delegate side and never leaves it.
 * - Key id: publicKeyFingerprint(publicKey) = base64url(SHA-256(raw public key)[0..16]) (22 chars).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { fromBase64Url } from './encoding';
import { CryptoError } from './errors';

export const X25519_KEY_BYTES = 32;

export interface GroupKeyPair {
  /** Raw X25519 public key, unpadded base64url. */
  publicKey: string;
  /** PKCS#8 PEM. Keep it on the delegate. */
  privateKey: string;
  /** publicKeyFingerprint(publicKey), recorded in each sealed secret's group entry. */
  keyId: string;
}

const PKCS8_PEM = /^-----BEGIN PRIVATE KEY-----\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+-----END PRIVATE KEY-----$/;

export function generateGroupKeyPair(): GroupKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const publicRaw = exportRawPublicKey(publicKey);
  return {
    publicKey: publicRaw,
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().trim(),
    keyId: publicKeyFingerprint(publicRaw),
  };
}

/** Key id of a group public key: base64url of the first 16 bytes of SHA-256 over the raw key. */
export function publicKeyFingerprint(publicKey: string): string {
  const raw = decodePublicKey(publicKey);
  return createHash('sha256').update(raw).digest().subarray(0, 16).toString('base64url');
}

/** Parses a private key as produced by generateGroupKeyPair; anything else is INVALID_KEY. */
export function loadPrivateKey(text: string): KeyObject {
  const invalid = new CryptoError(
    'INVALID_KEY',
    'group private key must be an unencrypted X25519 key in PKCS#8 PEM form ("-----BEGIN PRIVATE KEY-----")',
  );
  if (!PKCS8_PEM.test(text.trim())) throw invalid;
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text.trim(), format: 'pem' });
  } catch {
    throw invalid;
  }
  if (key.asymmetricKeyType !== 'x25519') throw invalid;
  return key;
}

/** The base64url raw public key that belongs to a private key (PEM text or a loaded KeyObject). */
export function derivePublicKey(privateKey: string | KeyObject): string {
  return exportRawPublicKey(createPublicKey(toPrivateKeyObject(privateKey)));
}

/** Imports a base64url raw X25519 public key; INVALID_KEY unless it is exactly 32 canonical bytes. */
export function loadPublicKey(publicKey: string): KeyObject {
  decodePublicKey(publicKey);
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: publicKey }, format: 'jwk' });
}

export function toPrivateKeyObject(privateKey: string | KeyObject): KeyObject {
  if (typeof privateKey === 'string') return loadPrivateKey(privateKey);
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'x25519') {
    throw new CryptoError('INVALID_KEY', 'group private key must be an X25519 private key');
  }
  return privateKey;
}

export function exportRawPublicKey(key: KeyObject): string {
  const x = key.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new CryptoError('INVALID_KEY', 'not an X25519 public key');
  return x;
}

export function decodePublicKey(publicKey: string): Buffer {
  const raw = fromBase64Url(publicKey);
  if (raw === null || raw.length !== X25519_KEY_BYTES) {
    throw new CryptoError('INVALID_KEY', 'group public key must be 32 raw bytes as unpadded base64url');
  }
  return raw;
}
