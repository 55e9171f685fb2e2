/**
 * Reconnect delays: a doubling window with full jitter (a uniformly random wait within the window), so a
 * control plane that restarts is not hit by every delegate at the same instant.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 500,
    private readonly capMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The window of the next attempt; the delay drawn is anywhere in [0, window). */
  get windowMs(): number {
    return Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
  }

  next(): number {
    const delay = Math.floor(this.random() * this.windowMs);
    this.attempt = Math.min(this.attempt + 1, 30);
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}
