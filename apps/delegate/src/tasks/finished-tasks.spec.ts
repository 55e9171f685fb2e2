import { FinishedTasks } from './finished-tasks';

describe('FinishedTasks', () => {
  it('drops the oldest entry beyond its size', () => {
    const finished = new FinishedTasks<number>(2, 60_000);
    finished.set('a', 1);
    finished.set('b', 2);
    finished.set('c', 3);
    expect([finished.get('a'), finished.get('b'), finished.get('c'), finished.size]).toEqual([undefined, 2, 3, 2]);
  });

  it('forgets entries older than its time to live', () => {
    let now = 0;
    const finished = new FinishedTasks<number>(10, 1_000, () => now);
    finished.set('a', 1);
    now = 999;
    finished.set('b', 2);
    expect(finished.get('a')).toBe(1);
    now = 1_500;
    expect(finished.get('a')).toBeUndefined();
    expect(finished.get('b')).toBe(2);
    now = 3_000;
    finished.set('c', 3);
    expect(finished.size).toBe(1);
  });
});
