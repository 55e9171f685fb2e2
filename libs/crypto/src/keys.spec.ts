import { createHash, generateKeyPairSync, KeyObject } from 'node:crypto';
import {
  CryptoError,
  derivePublicKey,
  generateGroupKeyPair,
  loadPrivateKey,
  loadPublicKey,
  publicKeyFingerprint,
} from './index';

function errorOf(fn: () => unknown): CryptoError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CryptoError) return error;
    throw error;
  }
  throw new Error('expected a CryptoError');
}

describe('generateGroupKeyPair', () => {
  it('returns a raw base64url public key, a PKCS#8 PEM private key and the key id', () => {
    const pair = generateGroupKeyPair();
    expect(pair.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(pair.publicKey, 'base64url')).toHaveLength(32);
    expect(pair.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PRIVATE KEY-----$/);
    expect(pair.keyId).toBe(publicKeyFingerprint(pair.publicKey));
    expect(derivePublicKey(pair.privateKey)).toBe(pair.publicKey);
  });

  it('generates a different pair each time', () => {
    expect(generateGroupKeyPair().publicKey).not.toBe(generateGroupKeyPair().publicKey);
  });
});

describe('publicKeyFingerprint', () => {
  it('is base64url of the first 16 bytes of SHA-256 over the raw key', () => {
    const { publicKey } = generateGroupKeyPair();
    const expected = createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest().subarray(0, 16);
    expect(publicKeyFingerprint(publicKey)).toBe(expected.toString('base64url'));
    expect(publicKeyFingerprint(publicKey)).toHaveLength(22);
  });

  it.each([
    ['31 bytes', Buffer.alloc(31, 1).toString('base64url')],
    ['33 bytes', Buffer.alloc(33, 1).toString('base64url')],
    ['padded base64', Buffer.alloc(32, 1).toString('base64')],
    ['standard-alphabet base64', Buffer.alloc(32, 0xfb).toString('base64').replace(/=+$/, '')],
    ['a PEM public key', generateKeyPairSync('x25519').publicKey.export({ format: 'pem', type: 'spki' }).toString()],
    ['an empty string', ''],
  ])('rejects %s', (_label, text) => {
    expect(errorOf(() => publicKeyFingerprint(text)).code).toBe('INVALID_KEY');
    expect(errorOf(() => loadPublicKey(text)).code).toBe('INVALID_KEY');
  });
});

describe('loadPrivateKey', () => {
  it('accepts what generateGroupKeyPair produced, with CRLF or surrounding whitespace', () => {
    const { privateKey, publicKey } = generateGroupKeyPair();
    for (const text of [privateKey, `\n${privateKey}\n`, privateKey.replace(/\n/g, '\r\n')]) {
      const key = loadPrivateKey(text);
      expect(key).toBeInstanceOf(KeyObject);
      expect(derivePublicKey(key)).toBe(publicKey);
    }
  });

  it.each([
    ['an Ed25519 key', () => pem(generateKeyPairSync('ed25519').privateKey)],
    ['a P-256 key', () => pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)],
    ['a public key', () => generateKeyPairSync('x25519').publicKey.export({ format: 'pem', type: 'spki' }).toString()],
    [
      'an encrypted key',
      () =>
        generateKeyPairSync('x25519')
          .privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' })
          .toString(),
    ],
    ['raw base64url bytes', () => Buffer.alloc(32, 7).toString('base64url')],
    ['a key followed by junk', () => `${generateGroupKeyPair().privateKey}\nsomething else`],
    ['a truncated key', () => generateGroupKeyPair().privateKey.replace(/\n[^\n]+\n/, '\nMC4CAQAw\n')],
  ])('rejects %s with a message that does not echo the input', (_label, make) => {
    const text = make();
    const error = errorOf(() => loadPrivateKey(text));
    expect(error.code).toBe('INVALID_KEY');
    expect(error.message).toContain('X25519');
    const body = text.split('\n').find((line) => line.length > 20 && !line.startsWith('-----'));
    if (body !== undefined) expect(error.message).not.toContain(body);
  });

  it('derivePublicKey rejects a KeyObject of the wrong kind', () => {
    expect(errorOf(() => derivePublicKey(generateKeyPairSync('ed25519').privateKey)).code).toBe('INVALID_KEY');
    expect(errorOf(() => derivePublicKey(generateKeyPairSync('x25519').publicKey)).code).toBe('INVALID_KEY');
  });
});

function pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}
