import { coalesced } from './coalesced';

describe('coalesced', () => {
  it('loads keys asked for in the same loop turn with one call, and caches nothing between turns', async () => {
    const calls: string[][] = [];
    let version = 1;
    const rows = coalesced<string, string>(async (keys) => {
      calls.push([...keys]);
      return keys.map((k) => (k === 'missing' ? undefined : `${k}@${version}`));
    });
    expect(await Promise.all([rows.load('a'), rows.load('b'), rows.load('missing')])).toEqual(['a@1', 'b@1', undefined]);
    expect(calls).toEqual([['a', 'b', 'missing']]);
    version = 2;
    expect(await rows.load('a')).toBe('a@2');
    expect(calls).toHaveLength(2);
  });

  it('joins loads made from different callbacks of one poll phase', async () => {
    const calls: number[][] = [];
    const rows = coalesced<number, number>(async (keys) => {
      calls.push([...keys]);
      return [...keys];
    });
    // Two timers due together run in one timers phase, as two sockets' data would in one poll phase.
    const loads = await new Promise<Array<Promise<number | undefined>>>((resolve) => {
      const pending: Array<Promise<number | undefined>> = [];
      setTimeout(() => pending.push(rows.load(1)), 1);
      setTimeout(() => {
        pending.push(rows.load(2));
        resolve(pending);
      }, 1);
    });
    expect(await Promise.all(loads)).toEqual([1, 2]);
    expect(calls).toEqual([[1, 2]]);
  });
});
