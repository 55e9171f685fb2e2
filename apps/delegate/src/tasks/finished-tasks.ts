/**
 * The results of tasks this delegate finished and the control plane acknowledged, by task id, so a
 * re-delivered offer is answered with the stored result instead of running the task again. Bounded by
 * count and age: the oldest entry goes first (insertion order of a Map), and stale ones are not served.
 */
export class FinishedTasks<V> {
  private readonly entries = new Map<string, { value: V; storedAt: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(taskId: string): V | undefined {
    const entry = this.entries.get(taskId);
    if (entry === undefined) return undefined;
    if (this.now() - entry.storedAt > this.ttlMs) {
      this.entries.delete(taskId);
      return undefined;
    }
    return entry.value;
  }

  set(taskId: string, value: V): void {
    this.entries.delete(taskId);
    this.entries.set(taskId, { value, storedAt: this.now() });
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.now() - entry.storedAt <= this.ttlMs) break;
      this.entries.delete(oldest);
    }
  }
}
