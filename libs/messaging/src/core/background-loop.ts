import { errorSummary } from './error-text.js';
import type { BrokerLogger } from './logger.js';
import { WakeSignal } from './wake-signal.js';
import { untraced } from '../telemetry/messaging-spans.js';

export interface BackgroundLoopOptions {
  /** What the loop does, for its log lines ("Dead-letter alerter", "Inbox purge"). */
  name: string;
  /**
   * One round of work. Resolve `true` to run again at once (a full batch: more is waiting); anything else waits
   * `nextDelayMs()` or `intervalMs`, or until `wake()`. A wake during a round runs another right after it.
   */
  round: () => Promise<boolean | void>;
  /** Wait between rounds, in ms. */
  intervalMs: number;
  /** Wait after the next successful round instead of intervalMs, when something is due sooner (ms, >= 0). */
  nextDelayMs?: () => number | null;
  /** First wait after a failure, in ms; it doubles with each failure in a row up to maxBackoffMs. Default 1,000. */
  backoffMs?: number;
  /** Longest wait between failing rounds, in ms. Default 30,000. */
  maxBackoffMs?: number;
  logger: BrokerLogger;
}

/**
 * Runs a round of background work, then waits for its interval or a wake-up, until stopped. A failing round
 * (the database is down) logs one line, then retries with exponential backoff (capped) logging nothing more but
 * debug detail, and logs one line when a round succeeds again: an outage costs two log lines, not a line per try.
 */
export class BackgroundLoop {
  private readonly signal = new WakeSignal();
  private loop: Promise<void> | null = null;
  private stopping = false;
  private woken = false;
  private failures = 0;
  private failingSince = 0;

  constructor(private readonly options: BackgroundLoopOptions) {}

  /** True while rounds fail (since the first failure, until one succeeds). */
  get failing(): boolean {
    return this.failures > 0;
  }

  start(): this {
    this.stopping = false;
    this.loop ??= untraced(() => this.run());
    return this;
  }

  /** Runs a round now (a NOTIFY arrived): cuts the wait short, or runs again after the round in progress. */
  wake(): void {
    this.woken = true;
    this.signal.wake();
  }

  /** Stops after the round in progress. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.signal.wake();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let again = false;
      this.woken = false;
      try {
        again = (await this.options.round()) === true;
        this.succeeded();
      } catch (error) {
        this.failed(error);
      }
      if (this.stopping) break;
      if (this.failures === 0 && (again || this.woken)) continue;
      await this.signal.wait(this.delay());
    }
  }

  private delay(): number {
    const { backoffMs = 1_000, maxBackoffMs = 30_000 } = this.options;
    if (this.failures > 0) return Math.min(backoffMs * 2 ** (this.failures - 1), maxBackoffMs);
    const sooner = this.options.nextDelayMs?.();
    return sooner === null || sooner === undefined ? this.options.intervalMs : Math.max(0, Math.min(sooner, this.options.intervalMs));
  }

  private succeeded(): void {
    if (this.failures === 0) return;
    const seconds = Math.round((Date.now() - this.failingSince) / 100) / 10;
    this.options.logger.log(`${this.options.name} recovered after ${this.failures} failed round(s) over ${seconds} s`);
    this.failures = 0;
  }

  private failed(error: unknown): void {
    this.failures++;
    if (this.failures === 1) {
      this.failingSince = Date.now();
      this.options.logger.error(`${this.options.name} failed: ${errorSummary(error)}; retrying with backoff (logged again on recovery)`);
    }
    this.options.logger.debug?.(`${this.options.name} failed (${this.failures} in a row)`, error);
  }
}
