import { createHash } from 'node:crypto';
import { CryptoError, generateToken, hashSecretToken, parseToken, verifySecretToken } from './index';

describe('generateToken / parseToken', () => {
  it('produces <prefix>_<12 hex id>_<43 base64url secret> that parses back', () => {
    const token = generateToken('cdt');
    expect(token).toMatch(/^cdt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const parsed = parseToken(token, 'cdt');
    expect(parsed).not.toBeNull();
    expect(`cdt_${parsed?.id}_${parsed?.secret}`).toBe(token);
    expect(Buffer.from(parsed?.secret ?? '', 'base64url')).toHaveLength(32);
  });

  it('is random in both id and secret', () => {
    const tokens = Array.from({ length: 50 }, () => parseToken(generateToken('cdk'), 'cdk'));
    expect(new Set(tokens.map((t) => t?.id)).size).toBe(50);
    expect(new Set(tokens.map((t) => t?.secret)).size).toBe(50);
  });

  it('parses a secret that itself contains underscores', () => {
    const secret = Buffer.alloc(32, 0xff).toString('base64url');
    expect(secret).toContain('_');
    expect(parseToken(`cdk_0123456789ab_${secret}`, 'cdk')).toEqual({ id: '0123456789ab', secret });
  });

  it.each([
    ['another prefix', (t: string) => t.replace(/^cdt/, 'cdk')],
    ['a short id', (t: string) => t.replace(/_([0-9a-f]{12})_/, (_m, id: string) => `_${id.slice(1)}_`)],
    ['an upper-case id', (t: string) => t.replace(/_([0-9a-f]{12})_/, (_m, id: string) => `_${id.toUpperCase()}_`)],
    ['a truncated secret', (t: string) => t.slice(0, -1)],
    ['an extended secret', (t: string) => `${t}A`],
    ['surrounding whitespace', (t: string) => ` ${t}\n`],
    ['a non-canonical last character', (t: string) => `${t.slice(0, -1)}${t.endsWith('B') ? 'C' : 'B'}`],
  ])('rejects %s', (_label, change) => {
    let token = generateToken('cdt');
    // Make the canonical last character predictable: 32 bytes leave 2 zero bits, so only every 4th letter is valid.
    token = `${token.slice(0, -1)}A`;
    expect(parseToken(token, 'cdt')).not.toBeNull();
    expect(parseToken(change(token), 'cdt')).toBeNull();
  });

  it('rejects unusable prefixes', () => {
    for (const prefix of ['', 'a', 'Cdt', 'cd_t', '1cd', 'x'.repeat(17)]) {
      expect(() => generateToken(prefix)).toThrow(CryptoError);
    }
  });
});

describe('hashSecretToken / verifySecretToken', () => {
  it('stores SHA-256 hex of the whole token and verifies only that token', () => {
    const token = generateToken('cdk');
    const hash = hashSecretToken(token);
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hash).not.toContain(parseToken(token, 'cdk')?.secret);
    expect(verifySecretToken(token, hash)).toBe(true);
    expect(verifySecretToken(generateToken('cdk'), hash)).toBe(false);
    expect(verifySecretToken(token.replace(/^cdk/, 'cdt'), hash)).toBe(false);
  });

  it('returns false for malformed stored hashes instead of throwing', () => {
    const token = generateToken('cdk');
    const hash = hashSecretToken(token);
    for (const bad of ['', hash.slice(2), hash.toUpperCase(), `${hash}00`, 'z'.repeat(64)]) {
      expect(verifySecretToken(token, bad)).toBe(false);
    }
  });
});
