import type { Channel, ConsumeMessage } from 'amqplib';
import type { ConsumerOptions, HandledMessage, MessageConsumer } from '../../driver/broker-types.js';
import type { DeliveryControl, MessageHandler } from '../../core/delivery-control.js';
import { logFailure, nackOptionsFor } from '../../core/failure.js';
import type { BrokerLogger } from '../../core/logger.js';
import { HANDLER_DEFAULTS, PREFETCH_PER_HANDLER } from '../../core/handler-defaults.js';
import { abortAfterGrace } from '../../core/shutdown-grace.js';
import { untraced, withProcessSpan } from '../../telemetry/messaging-spans.js';
import { RABBITMQ_MESSAGING_SYSTEM } from '../../telemetry/semconv.js';
import { assertIntegerInRange } from '../../validation/numbers.js';
import type { ConnectionManager, TrackedChannel } from './connection.js';
import { CapabilityNotSupportedError } from '../../errors.js';
import type { Held, HeldDeliveries } from './held-deliveries.js';
import type { PauseControl } from './pause-control.js';
import type { Settler } from './settler.js';
import type { ResolvedQueueOptions } from '../../topology/queue-options.js';

export interface ConsumerPorts {
  connection: ConnectionManager;
  held: HeldDeliveries;
  settler: Settler;
  logger: BrokerLogger;
  optionsOf(queue: string): Promise<ResolvedQueueOptions>;
  handled?(message: HandledMessage): void;
  /** The paused queues (a paused queue's consumer cancels its subscription until resumed). */
  pauses: Pick<PauseControl, 'isPaused' | 'onChange'>;
}

interface Running {
  held: Held;
  abort: AbortController;
  settled: boolean;
}

/** Text recorded when a message is found past its last attempt on arrival: its handler never settled it. */
const CRASHED_LAST_ATTEMPT = 'the consumer stopped (its channel closed) during its last attempt';

/**
 * One queue's consumer: a channel of its own with basic.qos = concurrency + prefetch, handlers run `concurrency`
 * at a time on the messages RabbitMQ pushes. Handler semantics are the PostgreSQL consumer's. When the channel or
 * the connection is lost, the deliveries it held are gone (RabbitMQ redelivers them, counting the attempt) and
 * the consumer re-subscribes on the next connection.
 */
export class RabbitConsumer<T = unknown> implements MessageConsumer {
  private readonly concurrency: number;
  private readonly prefetchCount: number;
  private readonly shutdownGraceMs: number;
  private readonly consumerGroup: string;
  private tracked: TrackedChannel | null = null;
  private consumerTag: string | null = null;
  private readonly buffer: Held[] = [];
  private readonly running = new Map<string, Running>();
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private allIdle: (() => void) | null = null;
  private removeReconnect: (() => void) | null = null;
  private resubscribeFailures = 0;
  private resubscribing: Promise<void> | null = null;
  private paused = false;
  /** Pause changes, applied one after the other. */
  private pausing: Promise<void> = Promise.resolve();
  private removePauseListener: (() => void) | null = null;

  constructor(
    readonly queue: string,
    private readonly handler: MessageHandler<T>,
    private readonly ports: ConsumerPorts,
    options: ConsumerOptions = {},
  ) {
    const o = { ...HANDLER_DEFAULTS, ...options };
    this.concurrency = assertIntegerInRange('concurrency', o.concurrency, 1, 10_000);
    const prefetch = o.prefetch === undefined ? Math.min(PREFETCH_PER_HANDLER * this.concurrency, 10_000) : assertIntegerInRange('prefetch', o.prefetch, 0, 10_000);
    this.prefetchCount = Math.min(this.concurrency + prefetch, 65_535);
    this.shutdownGraceMs = assertIntegerInRange('shutdownGraceMs', o.shutdownGraceMs, 0, 24 * 60 * 60 * 1000);
    this.consumerGroup = o.consumerGroup ?? queue;
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** Subscribes; resolves once RabbitMQ acknowledged basic.consume. */
  async start(): Promise<this> {
    this.removeReconnect = this.ports.connection.onReconnect(() => void this.resubscribe());
    this.paused = this.ports.pauses.isPaused(this.queue);
    this.removePauseListener = this.ports.pauses.onChange(() => this.pauseChanged());
    await this.subscribe();
    return this;
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async subscribe(): Promise<void> {
    const tracked = await this.ports.connection.openChannel();
    this.consumerTag = null; // a lost channel's tag is gone with it
    try {
      await tracked.channel.prefetch(this.prefetchCount);
      if (!this.paused) await this.startConsuming(tracked);
    } catch (error) {
      await tracked.close();
      throw error;
    }
    this.tracked = tracked;
    void tracked.closed.then(() => this.channelClosed(tracked));
  }

  private async startConsuming(tracked: TrackedChannel): Promise<void> {
    const { consumerTag } = await tracked.channel.consume(this.queue, (message) => this.received(tracked, message), { noAck: false });
    this.consumerTag = consumerTag;
  }

  /**
   * Paused: basic.cancel (RabbitMQ sends nothing more; what was delivered is still handled, as the PostgreSQL
   * consumer finishes what it claimed). Resumed: basic.consume on the same channel.
   */
  private pauseChanged(): void {
    this.pausing = this.pausing
      .then(async () => {
        const paused = this.ports.pauses.isPaused(this.queue);
        this.paused = paused;
        const tracked = this.tracked;
        if (this.stopping || !tracked?.open) return; // a new channel reads `paused` when it subscribes
        if (paused && this.consumerTag) {
          const tag = this.consumerTag;
          this.consumerTag = null;
          await tracked.channel.cancel(tag);
        } else if (!paused && !this.consumerTag) {
          await this.startConsuming(tracked);
        }
      })
      .catch((error) => this.ports.logger.warn(`Could not apply the pause of ${this.queue}`, error));
  }

  private channelClosed(tracked: TrackedChannel): void {
    if (this.tracked !== tracked) return;
    this.tracked = null;
    // Prefetched messages of that channel went back to the queue with it.
    for (let i = this.buffer.length - 1; i >= 0; i--) if (this.buffer[i].channel === tracked) this.buffer.splice(i, 1);
    if (this.stopping) return;
    this.ports.logger.warn(`Consumer of ${this.queue} lost its channel; resubscribing`);
    // A lost connection resubscribes on reconnect; a channel lost alone (an operator closed it) resubscribes here.
    if (this.ports.connection.state === 'connected') void this.resubscribe();
  }

  /** Single-flight: the channel's close and the reconnect both ask for it, and two subscriptions must not result. */
  private resubscribe(): Promise<void> {
    this.resubscribing ??= this.subscribeAgain().finally(() => (this.resubscribing = null));
    return this.resubscribing;
  }

  private async subscribeAgain(): Promise<void> {
    if (this.stopping || this.tracked) return;
    try {
      await this.subscribe();
      this.resubscribeFailures = 0;
      if (this.stopping) await (this.tracked as TrackedChannel | null)?.close(); // stopped while subscribing
    } catch (error) {
      this.resubscribeFailures++;
      const delay = Math.min(100 * 2 ** this.resubscribeFailures, 10_000);
      this.ports.logger.error(`Resubscribing to ${this.queue} failed; retrying in ${delay} ms`, error);
      setTimeout(() => void this.resubscribe(), delay).unref();
    }
  }

  private received(tracked: TrackedChannel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The server cancelled the consumer (the queue was deleted): try again later, it may be declared again.
      this.ports.logger.warn(`RabbitMQ cancelled the consumer of ${this.queue} (queue deleted?)`);
      void tracked.close();
      return;
    }
    let held: Held;
    try {
      held = this.ports.held.add(message, this.queue, tracked);
    } catch (error) {
      this.ports.logger.error(`A message on ${this.queue} is not JSON; dead-lettered as rejected`, error);
      (tracked.channel as Channel).reject(message, false);
      return;
    }
    this.buffer.push(held);
    this.dispatch();
  }

  private dispatch(): void {
    while (!this.stopping && this.running.size < this.concurrency && this.buffer.length > 0) {
      const held = this.buffer.shift() as Held;
      const entry: Running = { held, abort: new AbortController(), settled: false };
      this.running.set(held.delivery.id, entry);
      void untraced(() => this.handle(entry));
    }
  }

  private async handle(entry: Running): Promise<void> {
    const { held } = entry;
    const { delivery } = held;
    const options = await this.ports.optionsOf(this.queue).catch(() => null);
    if (options && delivery.attempt > options.maxAttempts) {
      // Its last attempt crashed (RabbitMQ counted the return): dead-letter it, as a claim does on PostgreSQL.
      await this.settle(held, () => this.ports.settler.deadLetter(held, 'delivery_limit', delivery.lastError ?? CRASHED_LAST_ATTEMPT, options));
      return this.finish(entry, null, 0);
    }
    const control: DeliveryControl = {
      signal: entry.abort.signal,
      extendLease: async () => {
        throw new CapabilityNotSupportedError('leaseExtension', 'a RabbitMQ delivery is held until it is settled or its channel closes; no lease runs out');
      },
      nack: async (nackOptions = {}) => {
        entry.settled = true;
        const taken = this.ports.held.take(delivery, 'nack');
        const outcome = await this.ports.settler.nack(taken, nackOptions);
        logFailure(this.ports.logger, delivery, nackOptions, outcome);
        return outcome;
      },
    };
    let outcome: { ack: true } | { ack: false; error: unknown } | null = null;
    const startedAt = performance.now();
    try {
      await withProcessSpan(delivery, this.consumerGroup, async () => this.handler(delivery as never, control), RABBITMQ_MESSAGING_SYSTEM);
      if (!entry.settled) outcome = { ack: true };
    } catch (error) {
      if (!entry.settled) outcome = { ack: false, error };
      else if (!entry.abort.signal.aborted) this.ports.logger.warn(`Settling ${delivery.messageId} from ${this.queue} failed`, error);
    }
    entry.settled = true;
    if (outcome?.ack) {
      await this.settle(held, async () => this.ports.settler.ack(this.ports.held.take(delivery, 'ack')));
    } else if (outcome) {
      const nackOptions = nackOptionsFor(outcome.error);
      await this.settle(held, async () => {
        const result = await this.ports.settler.nack(this.ports.held.take(delivery, 'nack'), nackOptions);
        logFailure(this.ports.logger, delivery, nackOptions, result);
      });
    }
    this.finish(entry, outcome, performance.now() - startedAt);
  }

  private async settle(held: Held, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.ports.logger.warn(`Could not settle ${held.delivery.messageId} from ${this.queue}`, error);
    }
  }

  private finish(entry: Running, outcome: { ack: boolean } | null, durationMs: number): void {
    this.running.delete(entry.held.delivery.id);
    if (this.running.size === 0) this.allIdle?.();
    this.ports.handled?.({
      queue: this.queue,
      outcome: outcome?.ack ? 'acked' : outcome || !entry.abort.signal.aborted ? 'failed' : 'released',
      durationMs,
    });
    this.dispatch();
  }

  /**
   * Cancels the subscription, gives prefetched messages back (attempt un-counted), lets running handlers finish
   * within shutdownGraceMs, then aborts the rest and closes the channel: RabbitMQ redelivers those, counting the
   * attempt (as the PostgreSQL consumer releases them with the attempt counted).
   */
  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.removeReconnect?.();
    this.removePauseListener?.();
    const tracked = this.tracked;
    if (tracked?.open && this.consumerTag) await tracked.channel.cancel(this.consumerTag).catch(() => undefined);
    const waiting = this.buffer.splice(0);
    await Promise.all(
      waiting.map(async (held) => {
        try {
          await this.ports.settler.release(this.ports.held.take(held.delivery, 'release'));
        } catch (error) {
          this.ports.logger.warn(`Could not release prefetched ${held.delivery.messageId} from ${this.queue}`, error);
        }
      }),
    );
    if (this.running.size > 0) {
      const idle = new Promise<void>((resolve) => (this.allIdle = resolve));
      const late = await abortAfterGrace(this.running, idle, this.shutdownGraceMs);
      if (late.length > 0) this.ports.logger.warn(`Stopping ${this.queue}: ${late.length} handler(s) still running after ${this.shutdownGraceMs} ms; their messages go back`);
      // Let settles already under way (a nack's copy awaiting its confirm) finish before the channel closes.
      if (this.running.size > late.length) await Promise.race([idle, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    }
    await tracked?.close();
    this.tracked = null;
  }
}
