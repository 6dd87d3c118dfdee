/**
 * Resolves `done` when `tick()` has been called `target` times. Rejects when the count stops moving for `stallMs`:
 * a consumer that stopped delivering fails the run with a clear message instead of hanging it.
 */
export class Countdown {
  count = 0;
  readonly done: Promise<void>;
  private resolve!: () => void;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    readonly target: number,
    stallMs: number,
    what: string,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      let seen = -1;
      this.watchdog = setInterval(() => {
        if (this.count === seen) {
          clearInterval(this.watchdog);
          reject(new Error(`${what}: stuck at ${this.count} of ${target} for ${stallMs / 1000} s`));
        }
        seen = this.count;
      }, stallMs);
    });
    if (target === 0) this.finish();
  }

  tick(): void {
    if (++this.count === this.target) this.finish();
  }

  private finish(): void {
    clearInterval(this.watchdog);
    this.resolve();
  }
}

/**
 * Polls the count of unsettled messages every 20 ms until it is 0 (the clock of a drain stops there: every message
 * acked, completed or deleted in the database, or gone from the RabbitMQ queue, not just handled). Fails if the count
 * does not fall for `stallMs`.
 */
export async function waitUntilSettled(unsettled: () => Promise<number>, stallMs = 30_000): Promise<void> {
  let best = Number.POSITIVE_INFINITY;
  let lastProgress = Date.now();
  for (;;) {
    const n = await unsettled();
    if (n === 0) return;
    if (n < best) {
      best = n;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress > stallMs) {
      throw new Error(`${n} messages still unsettled after ${stallMs / 1000} s without progress`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
