import { unifiedDiff } from './diff';

const labels = { before: 'connector/prom (server)', after: 'connector/prom (file)' };

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', labels)).toEqual([]);
  });

  it('shows a changed line with its context in one hunk', () => {
    const before = 'name: Prom\ndescription: old\ntype: Prometheus\nspec:\n  url: http://a\n';
    const after = 'name: Prom\ndescription: new\ntype: Prometheus\nspec:\n  url: http://a\n';
    expect(unifiedDiff(before, after, labels, 1)).toEqual([
      '--- connector/prom (server)',
      '+++ connector/prom (file)',
      '@@ -1,3 +1,3 @@',
      ' name: Prom',
      '-description: old',
      '+description: new',
      ' type: Prometheus',
    ]);
  });

  it('splits distant changes into separate hunks with correct line numbers', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].join('\n');
    const after = ['A', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'].join('\n');
    expect(unifiedDiff(before, after, labels, 1)).toEqual(['--- connector/prom (server)', '+++ connector/prom (file)', '@@ -1,2 +1,2 @@', '-a', '+A', ' b', '@@ -10,1 +10,2 @@', ' j', '+k']);
  });

  it('shows a creation as all additions from an empty start', () => {
    expect(unifiedDiff('', 'x: 1\n', { before: '/dev/null', after: 'secret/x' })).toEqual(['--- /dev/null', '+++ secret/x', '@@ -0,0 +1,1 @@', '+x: 1']);
  });
});
