import type { ConsumerOptions, HandledMessage, MessageHandler } from '../../driver/broker-types.js';
import { InvalidArgumentError } from '../../errors.js';
import { Consumer, type ConsumerPorts } from './consumer.js';

/**
 * Starts the broker's consumers and keeps track of them: what `close()` stops, what `consumerStatus` reports (a queue whose consumer
 * stopped while the broker stayed open fails readiness until one consumes it again), and the handled-message
 * listeners (metrics).
 */
export class ConsumerRegistry {
  private readonly consumers = new Set<Consumer<never>>();
  private readonly handledListeners = new Set<(message: HandledMessage) => void>();
  private readonly stoppedQueues = new Set<string>();

  constructor(
    private readonly ports: Omit<ConsumerPorts, 'handled'>,
    /** Behind PgBouncer nothing LISTENs: consumers poll. */
    private readonly pgbouncer: boolean,
    /** Called as a consumer starts (the presence of this process's consumers is written from then on). */
    private readonly started: () => void = () => undefined,
  ) {}

  /** Starts a consumer (resolves once it listens) and tracks it until it stops. */
  start<T>(queue: string, handler: MessageHandler<T>, options?: ConsumerOptions): Promise<Consumer<T>> {
    if (typeof handler !== 'function') throw new InvalidArgumentError('consume needs a handler function', {});
    if (this.pgbouncer && options?.listen) {
      throw new InvalidArgumentError('listen: true cannot work behind PgBouncer in transaction mode (the broker has pgbouncer: true)', { option: 'listen' });
    }
    const handled = (message: HandledMessage) => this.handledListeners.forEach((listener) => listener(message));
    const consumer = new Consumer<T>(queue, handler, { ...this.ports, handled }, this.pgbouncer ? { ...options, listen: false } : options);
    this.started();
    return this.track(consumer).start();
  }

  private track<T>(consumer: Consumer<T>): Consumer<T> {
    const tracked = consumer as Consumer<never>;
    this.consumers.add(tracked);
    this.stoppedQueues.delete(consumer.queue);
    const stop = consumer.stop.bind(consumer);
    consumer.stop = () =>
      stop().finally(() => {
        this.consumers.delete(tracked);
        if (![...this.consumers].some((other) => other.queue === consumer.queue)) this.stoppedQueues.add(consumer.queue);
      });
    return consumer;
  }

  onMessageHandled(listener: (message: HandledMessage) => void): () => void {
    this.handledListeners.add(listener);
    return () => this.handledListeners.delete(listener);
  }

  /** Running consumers per queue (what the presence table says of this process). */
  countsPerQueue(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const consumer of this.consumers) counts.set(consumer.queue, (counts.get(consumer.queue) ?? 0) + 1);
    return counts;
  }

  get status(): { running: string[]; stopped: string[] } {
    return { running: [...new Set([...this.consumers].map((c) => c.queue))].sort(), stopped: [...this.stoppedQueues].sort() };
  }

  /** Stops every consumer gracefully. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
  }
}
