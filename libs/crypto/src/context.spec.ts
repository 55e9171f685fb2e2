import { contentAad, contextBytes, wrapAad } from './context';
import { CryptoError } from './errors';

describe('contextBytes', () => {
  it('is unambiguous: different (secretId, version) pairs never encode the same', () => {
    const pairs = [
      { secretId: 'a', version: 12 },
      { secretId: 'a1', version: 2 },
      { secretId: 'a\u0000', version: 12 },
      { secretId: 'a', version: 1 },
      { secretId: 'é', version: 1 },
      { secretId: 'e\u0301', version: 1 },
    ];
    const encoded = pairs.map((p) => contextBytes(p).toString('hex'));
    expect(new Set(encoded).size).toBe(pairs.length);
  });

  it('has the documented layout', () => {
    expect(contextBytes({ secretId: 'ab', version: 258 }).toString('hex')).toBe('00000002' + '6162' + '00000102');
    expect(contentAad({ secretId: 'ab', version: 1 }).subarray(0, 17).toString()).toBe('conduit/v1/secret');
  });

  it('keeps the kind and label of a wrap apart', () => {
    const ctx = { secretId: 's', version: 1 };
    expect(wrapAad(ctx, 'master', 'ab')).not.toEqual(wrapAad(ctx, 'group', 'ab'));
    expect(wrapAad(ctx, 'group', 'ab')).not.toEqual(wrapAad(ctx, 'group', 'abc'));
  });

  it.each([
    { secretId: '', version: 1 },
    { secretId: 'x'.repeat(513), version: 1 },
    { secretId: 'x', version: 2 ** 32 },
    { secretId: 'x', version: Number.NaN },
  ])('rejects %p', (ctx) => {
    expect(() => contextBytes(ctx)).toThrow(CryptoError);
  });
});
