// A sliding-window limit per key (PagerDuty: about 120 events per minute per routing key, §1.5):
// the caller asks before sending and, when the window is full, learns how long to wait instead.
// Per process: with N workers, give each 1/N of the limit.

export class SlidingWindowLimiter {
  private readonly sent = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a slot for `key` and returns 0, or returns the ms until one frees up and takes nothing. */
  take(key: string): number {
    const now = this.now();
    const paused = (this.pausedUntil.get(key) ?? 0) - now;
    if (paused > 0) return paused;
    const recent = (this.sent.get(key) ?? []).filter((at) => at > now - this.windowMs);
    this.sent.set(key, recent);
    if (recent.length >= this.limit) return (recent[0] as number) + this.windowMs - now;
    recent.push(now);
    return 0;
  }

  /** The vendor said "too many" (429): send nothing for `key` for `ms`, whatever the window says. */
  pause(key: string, ms: number): void {
    this.pausedUntil.set(key, Math.max(this.pausedUntil.get(key) ?? 0, this.now() + ms));
  }
}
