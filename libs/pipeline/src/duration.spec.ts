import fc from 'fast-check';
import { formatDuration, parseDuration, parseTimeout } from './duration';

describe('parseDuration', () => {
  it.each([
    ['10m', 600_000],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['2d', 172_800_000],
    ['250ms', 250],
    ['10ms', 10],
    ['1m10ms', 60_010],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each(['', ' ', '10', 'm', '1.5h', '-1m', '1h1h', '30m1h', '1y', '10 minutes', '1H'])('rejects %j', (text) => {
    expect(parseDuration(text)).toEqual({ ok: false, message: expect.stringContaining('is not a duration') });
  });
});

describe('parseTimeout', () => {
  it('accepts 1s to 24h and rejects what is outside', () => {
    expect(parseTimeout('1s')).toEqual({ ok: true, ms: 1_000 });
    expect(parseTimeout('24h')).toEqual({ ok: true, ms: 86_400_000 });
    expect(parseTimeout('999ms')).toEqual({ ok: false, message: "timeout '999ms' is shorter than the minimum of 1s" });
    expect(parseTimeout('25h')).toEqual({ ok: false, message: "timeout '25h' is longer than the maximum of 1d" });
  });
});

describe('formatDuration', () => {
  it.each([
    [5_400_000, '1h30m'],
    [600_000, '10m'],
    [90_500, '1m30s500ms'],
    [86_400_000, '1d'],
    [0, '0s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('refuses values that are not whole, non-negative milliseconds', () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
    expect(() => formatDuration(1.5)).toThrow(RangeError);
  });

  it('parses back to the same value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 86_400_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, ms });
      }),
    );
  });
});
