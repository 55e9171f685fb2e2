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
