import { nulCharacterPath, storableJson } from './nul-characters';

describe('NUL characters', () => {
  it('finds the first NUL in a parsed body by its path, in keys as in values', () => {
    expect(nulCharacterPath({ a: 'fine', b: [{ c: 'x' }, { d: 'y\0' }] })).toBe('body.b[1].d');
    expect(nulCharacterPath({ ['k\0']: 1 })).toBe('body.k\\u0000');
    expect(nulCharacterPath('yaml\0text')).toBe('body');
    expect(nulCharacterPath({ a: 'fine', n: 1, t: true, z: null })).toBeUndefined();
  });

  it('makes JSON storable in jsonb: NULs become U+FFFD, the text "\\u0000" stays as it is', () => {
    const value = { binary: 'x\0y', literal: 'a\\u0000b', backslashThenNul: '\\\0' };
    expect(JSON.parse(storableJson(value))).toEqual({ binary: 'x\uFFFDy', literal: 'a\\u0000b', backslashThenNul: '\\\uFFFD' });
  });
});
