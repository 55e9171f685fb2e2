import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles its window up to the cap and draws within it', () => {
    const backoff = new Backoff(100, 1000, () => 0.999);
    const delays = Array.from({ length: 6 }, () => backoff.next());
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('spreads delays over the whole window (full jitter)', () => {
    const draws = [0, 0.5];
    const backoff = new Backoff(1000, 10_000, () => draws.shift() as number);
    expect(backoff.next()).toBe(0);
    expect(backoff.next()).toBe(1000);
  });

  it('starts over after a successful connection', () => {
    const backoff = new Backoff(100, 1000, () => 0.5);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.windowMs).toBe(100);
  });
});
