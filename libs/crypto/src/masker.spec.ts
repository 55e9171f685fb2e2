import { randomBytes } from 'node:crypto';
import { MASK, SecretMasker } from './index';

function maskerWith(...values: Array<string | Buffer>): SecretMasker {
  const masker = new SecretMasker();
  for (const value of values) expect(masker.register(value)).toEqual({ masked: true });
  return masker;
}

describe('SecretMasker', () => {
  const secret = 'p@ss w/rd+"quoted"\\é&=?';
  const masker = maskerWith(secret);
  const bytes = Buffer.from(secret);

  it.each([
    ['raw', secret],
    ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
    ['JSON-escaped with \\u for non-ASCII', JSON.stringify(secret).slice(1, -1).replace('é', '\\u00e9')],
    ['encodeURIComponent', encodeURIComponent(secret)],
    ['form-encoded', new URLSearchParams({ q: secret }).toString().slice(2)],
    ['hex', bytes.toString('hex')],
    ['upper-case hex', bytes.toString('hex').toUpperCase()],
    ['base64', bytes.toString('base64')],
    ['base64 without padding', bytes.toString('base64').replace(/=+$/, '')],
    ['base64url', bytes.toString('base64url')],
    [
      'base64url with padding',
      bytes.toString('base64url') + '='.repeat((4 - (bytes.toString('base64url').length % 4)) % 4),
    ],
  ])('masks the %s form', (_label, form) => {
    expect(masker.mask(`before ${form} after`)).toBe(`before ${MASK} after`);
  });

  it('masks every occurrence and leaves other text alone', () => {
    expect(masker.mask(`${secret}${secret} x ${secret}\nno secret here`)).toBe(`${MASK} x ${MASK}\nno secret here`);
    expect(new SecretMasker().mask('nothing registered')).toBe('nothing registered');
  });

  it('treats regular-expression characters literally', () => {
    const literal = maskerWith('a.b*(c)[d]{2}|$^');
    expect(literal.mask('x a.b*(c)[d]{2}|$^ y')).toBe(`x ${MASK} y`);
    expect(literal.mask('aXbbb(c)dd|')).toBe('aXbbb(c)dd|');
  });

  it('prefers the longest secret at a position', () => {
    expect(maskerWith('abcd', 'abcdefgh').mask('x abcdefgh y')).toBe(`x ${MASK} y`);
  });

  it('covers overlapping and adjacent occurrences of different secrets as one run', () => {
    const overlapping = maskerWith('abcdEFGH', 'EFGHijkl');
    // A left-to-right non-overlapping scan would mask "abcdEFGH" and then print "ijkl".
    expect(overlapping.mask('<abcdEFGHijkl>')).toBe(`<${MASK}>`);
    expect(overlapping.mask('<abcdEFGHEFGHijkl>')).toBe(`<${MASK}>`);
    expect(maskerWith('first-one', 'second-two').mask('first-onesecond-two')).toBe(MASK);
  });

  it('masks a value read with a trailing newline, trimmed, and each line of a multi-line value', () => {
    const fromFile = maskerWith('tok-12345\n');
    expect(fromFile.mask('Authorization: tok-12345')).toBe(`Authorization: ${MASK}`);
    expect(fromFile.mask(Buffer.from('tok-12345').toString('base64'))).toBe(MASK);

    const pem = maskerWith('-----BEGIN KEY-----\nAAAAline1\r\nBBBBline2\n-----END KEY-----');
    expect(pem.mask('  | AAAAline1\n  | BBBBline2')).toBe(`  | ${MASK}\n  | ${MASK}`);
  });

  it('masks encodings of a binary (non-UTF-8) value', () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x42, 0x99]);
    const m = maskerWith(binary);
    expect(m.mask(`k=${binary.toString('hex')}`)).toBe(`k=${MASK}`);
    expect(m.mask(`k=${binary.toString('base64')}`)).toBe(`k=${MASK}`);
  });
});

describe('base64 of a secret inside a larger base64 stream', () => {
  it.each([4, 5, 6, 7, 20])('masks the stable middle at every alignment (secret of %i bytes)', (length) => {
    // Binary (0xff is never UTF-8), so a 4-byte secret is not read as fewer, multi-byte characters.
    const secret = Buffer.concat([Buffer.from([0xff]), randomBytes(length - 1)]);
    const masker = maskerWith(secret);
    for (let before = 0; before < 6; before++) {
      for (let after = 0; after < 4; after++) {
        const stream = Buffer.concat([randomBytes(before), secret, randomBytes(after)]);
        for (const encoding of ['base64', 'base64url'] as const) {
          const encoded = stream.toString(encoding);
          // Characters that depend only on the secret's bits: the documented guarantee.
          const first = Math.ceil((8 * before) / 6);
          const last = Math.floor((8 * (before + length)) / 6);
          const covered = masker.maskedRanges(encoded).some(([start, end]) => start <= first && end >= last);
          expect({ before, after, encoding, covered }).toEqual({ before, after, encoding, covered: true });
        }
      }
    }
  });
});

describe('values too short to mask', () => {
  it('are refused, reported by name, and leave output untouched', () => {
    const masker = new SecretMasker();
    expect(masker.register('a', 'FLAG')).toEqual({ masked: false, reason: 'too-short', minLength: 4 });
    expect(masker.register('abc', 'PIN')).toEqual({ masked: false, reason: 'too-short', minLength: 4 });
    expect(masker.register('', 'EMPTY')).toEqual({ masked: false, reason: 'too-short', minLength: 4 });
    expect(masker.register('abcd', 'OK')).toEqual({ masked: true });
    expect(masker.tooShort).toEqual(['FLAG', 'PIN', 'EMPTY']);
    expect(masker.mask('a cat abc xyz abcd')).toBe(`a cat abc xyz ${MASK}`);
  });

  it('counts characters, not bytes, for text and honours a configured minimum', () => {
    expect(new SecretMasker().register('ééé').masked).toBe(false);
    const strict = new SecretMasker({ minLength: 8 });
    expect(strict.register('1234567').masked).toBe(false);
    expect(strict.register('12345678').masked).toBe(true);
  });

  it('never registers short derived forms, such as a short line of a multi-line value', () => {
    const masker = maskerWith('long-enough-line\nab\n');
    expect(masker.mask('ab cd ab')).toBe('ab cd ab');
  });
});

describe('matching cost', () => {
  it('stays fast with many secrets and a large text', () => {
    const masker = new SecretMasker();
    const secrets = Array.from({ length: 300 }, () => randomBytes(24).toString('base64url'));
    for (const s of secrets) masker.register(s);
    const text = Array.from(
      { length: 20_000 },
      (_, i) => `line ${i} ${i % 1000 === 0 ? secrets[i % 300] : 'ordinary output'}\n`,
    ).join('');
    const started = process.hrtime.bigint();
    const masked = masker.mask(text);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(masked.split(MASK)).toHaveLength(21);
    expect(elapsedMs).toBeLessThan(2000);
  });
});
