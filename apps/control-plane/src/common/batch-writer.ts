/**
 * Writes items in batches with at most one write in flight (group commit): items added while a batch is
 * being written form the next one. A quiet process writes at once (the next turn of the event loop); a busy
 * one writes fewer, larger batches instead of one statement per item. `write` handles its own failures.
 */
export class BatchWriter<T> {
  private pending: T[] = [];
  /** The batch being written, and its write. */
  private batch: T[] = [];
  private writing?: Promise<void>;
  private scheduled = false;

  constructor(
    private readonly write: (batch: T[]) => Promise<void>,
    /** Items per write at most: bounds one statement when the database falls behind. */
    private readonly maxBatch = 1000,
  ) {}

  add(item: T): void {
    this.pending.push(item);
    if (this.writing || this.scheduled) return;
    // Items that arrive together (a delegate's burst of frames, a crowd of closing sockets) share one write.
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.writeAll();
    });
  }

  /** Resolves once every item added so far is written. */
  async flushed(): Promise<void> {
    while (this.pending.length > 0 || this.writing || this.scheduled) {
      if (!this.writing && !this.scheduled) this.writeAll();
      await (this.writing ?? new Promise<void>((resolve) => setImmediate(resolve)));
    }
  }

  /** Takes back the items not yet handed to a write that match (their owner writes them itself). */
  take(match: (item: T) => boolean): T[] {
    const taken = this.pending.filter(match);
    if (taken.length) this.pending = this.pending.filter((item) => !match(item));
    return taken;
  }

  /** Resolves once the batch being written now is written, if it holds a matching item. */
  async written(match: (item: T) => boolean): Promise<void> {
    while (this.writing && this.batch.some(match)) await this.writing;
  }

  private writeAll(): void {
    if (this.writing || this.pending.length === 0) return;
    this.writing = (async () => {
      while (this.pending.length > 0) {
        this.batch = this.pending.splice(0, this.maxBatch);
        await this.write(this.batch);
      }
    })().finally(() => {
      this.batch = [];
      this.writing = undefined;
    });
  }
}

/**
 * A statement many callers need at once (claims, results), run for a whole batch (see BatchWriter): each
 * caller gets its own answer out of the batch's one round trip. When a batch fails it is retried one call
 * at a time, so a call the database refuses fails alone and the others are not held against it. A `run`
 * that writes in several statements answers an Error for the calls it could not write instead of throwing
 * (a retry would write the others twice).
 */
export class BatchedStatement<I, O> {
  private readonly writer: BatchWriter<{ input: I; resolve: (output: O) => void; reject: (error: unknown) => void }>;

  constructor(
    /** Answers every input of the batch, in order: its output, or the Error that call fails with. */
    run: (inputs: I[]) => Promise<Array<O | Error>>,
    maxBatch?: number,
  ) {
    this.writer = new BatchWriter(async (calls) => {
      const answer = async (batch: typeof calls) => {
        const outputs = await run(batch.map((call) => call.input));
        batch.forEach((call, i) => {
          const output = outputs[i];
          if (output instanceof Error) call.reject(output);
          else call.resolve(output as O);
        });
      };
      await answer(calls).catch(async (error: unknown) => {
        if (calls.length === 1) return calls[0]?.reject(error);
        for (const call of calls) await answer([call]).catch((alone: unknown) => call.reject(alone));
      });
    }, maxBatch);
  }

  call(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => this.writer.add({ input, resolve, reject }));
  }

  /** Resolves once every call made so far is answered. */
  flushed(): Promise<void> {
    return this.writer.flushed();
  }
}
