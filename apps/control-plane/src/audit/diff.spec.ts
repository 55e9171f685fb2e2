import { diffFields } from './diff';

describe('diffFields', () => {
  it('lists changed, added and removed fields by path', () => {
    const before = { name: 'GitHub', spec: { url: 'https://a', auth: { tokenRef: 'tok' } }, tags: { team: 'x' } };
    const after = { name: 'GitHub', spec: { url: 'https://b', auth: { tokenRef: 'tok' }, validationRepo: 'r' }, tags: {} };
    expect(diffFields(before, after)).toEqual([
      { path: 'spec.url', before: 'https://a', after: 'https://b' },
      { path: 'spec.validationRepo', after: 'r' },
      { path: 'tags.team', before: 'x' },
    ]);
  });

  it('treats arrays as single values and reports nothing when equal', () => {
    expect(diffFields({ s: ['a', 'b'] }, { s: ['a'] })).toEqual([{ path: 's', before: ['a', 'b'], after: ['a'] }]);
    expect(diffFields({ a: 1 }, { a: 1 })).toEqual([]);
  });
});
