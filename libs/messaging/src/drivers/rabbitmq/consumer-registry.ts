import type { ConsumerOptions, HandledMessage, MessageHandler } from '../../driver/broker-types.js';
import { InvalidArgumentError } from '../../errors.js';
import { RabbitConsumer, type ConsumerPorts } from './consumer.js';

/**
 * Starts the broker's consumers and keeps track of them: what close() stops, what consumerStatus reports (a queue
 * whose consumer stopped while the broker stayed open), and the handled-message listeners (metrics).
 */
export class RabbitConsumerRegistry {
  private readonly consumers = new Set<RabbitConsumer<never>>();
  private readonly stoppedQueues = new Set<string>();
  private readonly handledListeners = new Set<(message: HandledMessage) => void>();

  constructor(private readonly ports: Omit<ConsumerPorts, 'handled'>) {}

  async start<T>(queue: string, handler: MessageHandler<T>, options?: ConsumerOptions): Promise<RabbitConsumer<T>> {
    if (typeof handler !== 'function') throw new InvalidArgumentError('consume needs a handler function', {});
    const handled = (message: HandledMessage) => this.handledListeners.forEach((listener) => listener(message));
    const consumer = new RabbitConsumer<T>(queue, handler, { ...this.ports, handled }, options);
    await consumer.start();
    const tracked = consumer as RabbitConsumer<never>;
    this.consumers.add(tracked);
    this.stoppedQueues.delete(queue);
    const stop = consumer.stop.bind(consumer);
    consumer.stop = () =>
      stop().finally(() => {
        this.consumers.delete(tracked);
        if (![...this.consumers].some((other) => other.queue === queue)) this.stoppedQueues.add(queue);
      });
    return consumer;
  }

  onMessageHandled(listener: (message: HandledMessage) => void): () => void {
    this.handledListeners.add(listener);
    return () => this.handledListeners.delete(listener);
  }

  get status(): { running: string[]; stopped: string[] } {
    return { running: [...new Set([...this.consumers].map((c) => c.queue))].sort(), stopped: [...this.stoppedQueues].sort() };
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
  }
}
