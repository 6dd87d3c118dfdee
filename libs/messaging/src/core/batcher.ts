import { untraced } from '../telemetry/messaging-spans.js';

interface Pending<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Collects items and hands them to `flush` in batches: the first item waits one event-loop turn, and while a flush
 * is in flight new items accumulate for the next one, so batches grow with load and stay single at low load.
 * `flush` returns one result per item, in order.
 */
export class Batcher<I, R> {
  private pending: Pending<I, R>[] = [];
  private draining: Promise<void> | null = null;

  constructor(
    private readonly flush: (items: I[]) => Promise<R[]>,
    private readonly maxBatch: number,
  ) {}

  /** Items waiting for a flush. */
  get size(): number {
    return this.pending.length;
  }

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      // Flushes serve many callers: run them outside whichever caller's trace context happened to start them.
      this.draining ??= untraced(() => this.drain());
    });
  }

  /** Resolves once everything added so far has been flushed. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        const results = await this.flush(batch.map((p) => p.item));
        batch.forEach((p, i) => p.resolve(results[i]));
      } catch (error) {
        batch.forEach((p) => p.reject(error));
      }
    }
    this.draining = null;
  }
}
