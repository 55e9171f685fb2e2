/**
 * Writes items in batches with at most one write in flight (group commit): items added while a batch is
 * being written form the next one. A quiet process writes at once (the next turn of the event loop); a busy
 * one writes fewer, larger batches instead of one statement per item. `write` handles its own failures.
 */
export class BatchWriter<T> {
  private pending: T[] = [];
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

  private writeAll(): void {
    if (this.writing || this.pending.length === 0) return;
    this.writing = (async () => {
      while (this.pending.length > 0) await this.write(this.pending.splice(0, this.maxBatch));
    })().finally(() => (this.writing = undefined));
  }
}
