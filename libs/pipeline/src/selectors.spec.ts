import { effectiveSelectors, normalizeSelectors } from './selectors';

describe('effectiveSelectors: step > stage > pipeline > connector', () => {
  const all = { step: ['gpu'], stage: ['eu'], pipeline: ['linux'], connector: ['vpc-a'] };

  it.each([
    ['step', all, ['gpu']],
    ['stage', { ...all, step: undefined }, ['eu']],
    ['pipeline', { ...all, step: undefined, stage: undefined }, ['linux']],
    ['connector', { connector: ['vpc-a', 'vpc-b'] }, ['vpc-a', 'vpc-b']],
  ] as const)(
    'takes the %s selectors when it is the most specific level declaring any',
    (source, sources, selectors) => {
      expect(effectiveSelectors(sources)).toEqual({ selectors, source });
    },
  );

  it('does not merge levels: the winner replaces everything below it', () => {
    expect(effectiveSelectors({ stage: ['eu'], connector: ['vpc-a'] })).toEqual({ selectors: ['eu'], source: 'stage' });
  });

  it('lets an empty list fall through rather than widen routing to every delegate', () => {
    expect(effectiveSelectors({ step: [], stage: [' '], pipeline: ['linux'] })).toEqual({
      selectors: ['linux'],
      source: 'pipeline',
    });
  });

  it('returns none when no level declares selectors', () => {
    expect(effectiveSelectors({})).toEqual({ selectors: [], source: 'none' });
    expect(effectiveSelectors({ step: [], connector: [] })).toEqual({ selectors: [], source: 'none' });
  });

  it('compares selectors case-insensitively', () => {
    expect(effectiveSelectors({ connector: ['VPC-A', 'vpc-a', ' Linux '] })).toEqual({
      selectors: ['vpc-a', 'linux'],
      source: 'connector',
    });
  });
});

describe('normalizeSelectors', () => {
  it('trims, lower-cases, drops blanks and duplicates, keeping first-seen order', () => {
    expect(normalizeSelectors(['B', 'a', ' b ', '', 'A'])).toEqual(['b', 'a']);
  });
});
