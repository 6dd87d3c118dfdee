import type { ConsumerOptions } from '../../driver/broker-types.js';
export type { ConsumerOptions, HandledMessage } from '../../driver/broker-types.js';
import { untraced, withProcessSpan } from '../../telemetry/messaging-spans.js';
import type { DeliveryControl, MessageHandler } from '../../core/delivery-control.js';
import { abortAfterGrace } from '../../core/shutdown-grace.js';
import { logFailure, nackOptionsFor } from '../../core/failure.js';
import type { Delivery } from '../../message.js';
import type { ClaimedBatch, ConsumerPorts } from './consumer-ports.js';
import { claimSize } from './statements/claim.js';
import { WakeSignal } from '../../core/wake-signal.js';
import { resolveConsumerOptions, type ResolvedConsumerOptions } from './consumer-options.js';
import { PrefetchBuffer } from './prefetch-buffer.js';

export type { DeliveryControl, MessageHandler } from '../../core/delivery-control.js';
export type { ClaimedBatch, ConsumerPorts } from './consumer-ports.js';

/** Claims that start at the cursor between two that start at the head of the queue. */
const HEAD_SCAN_EVERY = 10;

interface Running {
  delivery: Delivery;
  /** The lease it was claimed with, ms: what extendLease() extends by when given no ms. */
  leaseMs: number;
  abort: AbortController;
  settled: boolean;
}

/** Settles not yet written past which the consumer stops claiming until they are (bounds memory if the database lags). */
const MAX_UNWRITTEN_SETTLES = 10_000;

/**
 * Claims batches from one queue and runs the handler on each message, `concurrency` at a time. Success acks, an
 * error nacks (the queue's backoff, then its dead-letter queue). Idle, it waits for a NOTIFY or the poll timer;
 * a wake-up that arrives during a claim triggers one more claim, so bursts of NOTIFY cost one round trip.
 */
export class Consumer<T = unknown> {
  private readonly options: ResolvedConsumerOptions;
  private readonly buffer = new PrefetchBuffer();
  /** Where the next claim starts its index walk (epoch ms of the last claimed row), or null for the head. */
  private cursorMs: number | null = null;
  private claimsSinceHead = 0;
  private readonly running = new Map<string, Running>();
  private stopping = false;
  private wakeRequested = false;
  /** Releases of stale prefetched messages still being written (the next claim waits for them). */
  private releasing: Promise<unknown> = Promise.resolve();
  private readonly signal = new WakeSignal();
  /** Whether the loop waits for a handler slot (true) or for new messages (false: a freed slot must not wake it). */
  private waitingForSlot = false;
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopped: Promise<void> | null = null;
  private allIdle: (() => void) | null = null;
  /** Messages handled (acked or nacked) so far. */
  handled = 0;

  constructor(
    readonly queue: string,
    private readonly handler: MessageHandler<T>,
    private readonly ports: ConsumerPorts,
    options: ConsumerOptions = {},
  ) {
    this.options = resolveConsumerOptions(queue, options);
  }

  /** Starts claiming; resolves once the LISTEN subscription is in place (so a publish after this wakes it). */
  async start(): Promise<this> {
    if (this.loop) return this;
    if (this.options.listen) this.unsubscribe = await this.ports.subscribe(this.queue, () => this.wake());
    this.loop = untraced(() => this.run());
    return this;
  }

  /** Handlers running now. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Asks for a claim now (what a NOTIFY does). */
  wake(): void {
    this.wakeRequested = true;
    this.notify();
  }

  /**
   * Graceful stop: claims nothing more, gives back prefetched messages at once (their attempt un-counted), lets
   * running handlers finish for up to `shutdownGraceMs`, then aborts and releases the rest. Idempotent.
   */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.notify();
    await this.loop;
    const waiting = this.buffer.drain();
    await this.ports.settler.releaseMany(waiting, true).catch((error) => this.ports.logger.error('Could not release prefetched messages', error));
    if (this.running.size > 0) {
      const late = await abortAfterGrace(this.running, new Promise<void>((resolve) => (this.allIdle = resolve)), this.options.shutdownGraceMs);
      if (late.length > 0) {
        this.ports.logger.warn(`Stopping ${this.queue}: ${late.length} handler(s) still running after ${this.options.shutdownGraceMs} ms; releasing their messages`);
        await this.ports.settler.releaseMany(late.map((r) => r.delivery), false).catch((error) => this.ports.logger.error('Could not release messages', error));
      }
    }
    await this.ports.settler.idle();
  }

  private notify(): void {
    this.signal.wake();
  }

  /** Waits for a wake-up or stop, and a freed slot (`forSlot`) or the poll timer (`timeoutMs`). */
  private waitForSignal(forSlot: boolean, timeoutMs?: number): Promise<void> {
    this.waitingForSlot = forSlot;
    return this.signal.wait(timeoutMs);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      // Claim once the buffer is down to half the prefetch: enough for the free slots plus a full prefetch, so at
      // most concurrency + 1.5 x prefetch are held. (Claiming only the room left averaged 275 rows a claim at
      // prefetch 500 and capped a drain at 45k/s; full claims reached 55-59k/s.)
      const { maxClaimBatch, concurrency, prefetch } = this.options;
      const wanted = Math.min(maxClaimBatch, concurrency - this.running.size + prefetch);
      if (wanted < 1 || this.buffer.size > prefetch / 2) {
        await this.waitForSignal(true);
        continue;
      }
      if (this.ports.settler.backlog > MAX_UNWRITTEN_SETTLES) {
        await this.ports.settler.idle();
        continue;
      }
      const limit = claimSize(wanted);
      const fromHead = this.cursorMs === null || this.claimsSinceHead >= HEAD_SCAN_EVERY;
      this.wakeRequested = false;
      let batch: ClaimedBatch;
      const claimStartedAt = Date.now();
      try {
        // Given-back messages first: a claim racing their release would take them again with the attempt counted.
        await this.releasing;
        batch = await this.ports.claim(this.queue, limit, this.options.leaseMs, fromHead ? null : this.cursorMs);
        failures = 0;
      } catch (error) {
        failures++;
        const delay = Math.min(100 * 2 ** failures, this.options.pollIntervalMs, 5_000);
        this.ports.logger.error(`Claim from ${this.queue} failed; retrying in ${delay} ms`, error);
        await this.waitForSignal(false, delay);
        continue;
      }
      const claimed = batch.deliveries;
      this.claimsSinceHead = fromHead ? 0 : this.claimsSinceHead + 1;
      // A short claim may have missed rows behind the cursor (late commits, expired leases): start at the head next.
      this.cursorMs = claimed.length < limit ? null : batch.cursorMs;
      if (this.stopping) {
        await this.ports.settler.releaseMany(claimed, true).catch((error) => this.ports.logger.error('Could not release messages', error));
        break;
      }
      this.buffer.add(claimed, claimStartedAt, batch.leaseMs);
      this.dispatch();
      if (claimed.length < limit && !fromHead) continue;
      if (claimed.length < limit && !this.wakeRequested) await this.waitForSignal(false, this.options.pollIntervalMs);
    }
  }

  private dispatch(): void {
    if (this.stopping) return;
    const { startable, stale } = this.buffer.take(this.options.concurrency - this.running.size);
    for (const { delivery, leaseMs } of startable) {
      const entry: Running = { delivery, leaseMs, abort: new AbortController(), settled: false };
      this.running.set(delivery.id, entry);
      void this.handle(entry);
    }
    if (stale.length > 0) {
      this.ports.logger.warn(`${this.queue}: ${stale.length} prefetched message(s) waited out their lease; released (lower prefetch or raise leaseMs)`);
      const released = this.ports.settler.releaseMany(stale, true).catch((error) => this.ports.logger.warn('Could not release messages', error));
      this.releasing = Promise.all([this.releasing, released]);
    }
  }

  private async handle(entry: Running): Promise<void> {
    const { delivery } = entry;
    const settler = this.ports.settler;
    const control: DeliveryControl = {
      signal: entry.abort.signal,
      extendLease: async (ms) => {
        // By the lease it was claimed with, counted by the database from its now(). (It was the time left, read as
        // the database's expiry minus this process's clock: no extension at all, and 1 ms on a clock running ahead.)
        const expiry = await settler.extendLease(delivery, ms ?? entry.leaseMs);
        delivery.leaseExpiresAt = expiry;
        return expiry;
      },
      nack: async (options = {}) => {
        entry.settled = true;
        const outcome = await settler.nack(delivery, options);
        logFailure(this.ports.logger, delivery, options, outcome);
        return outcome;
      },
    };
    let outcome: { ack: true } | { ack: false; error: unknown } | null = null;
    const startedAt = performance.now();
    try {
      await withProcessSpan(delivery, this.options.consumerGroup, async () => this.handler(delivery as Delivery<T>, control));
      if (!entry.settled) outcome = { ack: true };
    } catch (error) {
      if (!entry.settled) outcome = { ack: false, error };
      else if (!entry.abort.signal.aborted) this.ports.logger.warn(`Settling ${delivery.messageId} from ${this.queue} failed`, error);
    } finally {
      entry.settled = true;
      this.handled++;
      this.running.delete(delivery.id);
      if (this.running.size === 0) this.allIdle?.();
    }
    this.ports.handled?.({
      queue: this.queue,
      // No outcome: the handler nacked it itself, or the consumer stopped and released it.
      outcome: outcome?.ack ? 'acked' : outcome || !entry.abort.signal.aborted ? 'failed' : 'released',
      durationMs: performance.now() - startedAt,
    });
    // The slot is free before the settle is written: settles join a batch in the background (stop() waits for them).
    // Holding the slot for the ack's round trip capped throughput at `concurrency` messages per round trip.
    if (outcome?.ack) {
      settler.ack(delivery).catch((error) => this.ports.logger.warn(`Could not ack ${delivery.messageId} from ${this.queue}`, error));
    } else if (outcome) {
      const options = nackOptionsFor(outcome.error);
      settler
        .nack(delivery, options)
        .then((result) => logFailure(this.ports.logger, delivery, options, result))
        .catch((error) => this.ports.logger.warn(`Could not nack ${delivery.messageId} from ${this.queue}`, error));
    }
    this.dispatch();
    if (this.waitingForSlot) this.notify();
  }
}
