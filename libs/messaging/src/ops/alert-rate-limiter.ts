/**
 * Lets the first `maxPerWindow` alerts of a window through one by one and counts the rest, per window of
 * `windowMs`, so a storm of dead letters gives a summary instead of a thousand posts.
 */
export class AlertRateLimiter {
  private windowStart = 0;
  private sent = 0;
  private suppressed = new Map<string, number>();

  constructor(
    private readonly maxPerWindow: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when this alert may go out on its own; otherwise it is counted under `key` for the summary. */
  admit(key: string): boolean {
    this.roll();
    if (this.sent < this.maxPerWindow) {
      this.sent++;
      return true;
    }
    this.suppressed.set(key, (this.suppressed.get(key) ?? 0) + 1);
    return false;
  }

  /** The alerts held back in a window that is over (counts per key), or null; starts counting afresh. */
  takeSummary(): Map<string, number> | null {
    if (this.now() - this.windowStart < this.windowMs || this.suppressed.size === 0) return null;
    const summary = this.suppressed;
    this.suppressed = new Map();
    return summary;
  }

  /** When the summary of the held-back alerts is due (epoch ms), or null when none are held back. */
  get summaryDueAt(): number | null {
    return this.suppressed.size === 0 ? null : this.windowStart + this.windowMs;
  }

  private roll(): void {
    if (this.now() - this.windowStart >= this.windowMs) {
      this.windowStart = this.now();
      this.sent = 0;
    }
  }
}
