import { BatchedStatement } from './batch-writer';

describe('BatchedStatement', () => {
  it('answers calls made together from one run, each with its own answer, and runs one batch at a time', async () => {
    const runs: number[][] = [];
    let inFlight = 0;
    const double = new BatchedStatement<number, number>(async (inputs) => {
      runs.push(inputs);
      inFlight++;
      expect(inFlight).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return inputs.map((n) => n * 2);
    });
    const first = await Promise.all([double.call(1), double.call(2), double.call(3)]);
    expect(first).toEqual([2, 4, 6]);
    expect(runs).toEqual([[1, 2, 3]]);

    // Calls arriving while a batch runs form the next one.
    const early = double.call(10);
    await new Promise((resolve) => setImmediate(resolve));
    const late = [double.call(20), double.call(30)];
    expect(await Promise.all([early, ...late])).toEqual([20, 40, 60]);
    expect(runs.slice(1)).toEqual([[10], [20, 30]]);
  });

  it('retries a failed batch one call at a time, so only the call the database refuses fails', async () => {
    const runs: string[][] = [];
    const statement = new BatchedStatement<string, string>(async (inputs) => {
      runs.push(inputs);
      if (inputs.includes('bad')) throw new Error('refused: bad');
      return inputs.map((s) => s.toUpperCase());
    });
    const answers = await Promise.allSettled(['a', 'bad', 'c'].map((s) => statement.call(s)));
    expect(answers).toEqual([
      { status: 'fulfilled', value: 'A' },
      { status: 'rejected', reason: new Error('refused: bad') },
      { status: 'fulfilled', value: 'C' },
    ]);
    expect(runs).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
    await statement.flushed();
  });

  it('rejects the calls a run answers with an Error, without running the batch again', async () => {
    let runs = 0;
    const statement = new BatchedStatement<number, number>(async (inputs) => {
      runs++;
      return inputs.map((n) => (n < 0 ? new Error(`${n} refused`) : n));
    });
    const answers = await Promise.allSettled([1, -2, 3].map((n) => statement.call(n)));
    expect(answers).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: new Error('-2 refused') },
      { status: 'fulfilled', value: 3 },
    ]);
    expect(runs).toBe(1);
  });
});
