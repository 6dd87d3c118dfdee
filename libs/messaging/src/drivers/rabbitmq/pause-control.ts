import type { Channel, Message } from 'amqplib';
import type { BrokerLogger } from '../../core/logger.js';
import type { ConfirmPublisher } from './confirm-channel.js';
import type { ConnectionManager, TrackedChannel } from './connection.js';

/** Where the paused set is announced (`<exchange>.control`, fanout) and kept (`<exchange>.paused-queues`). */
export const controlExchangeOf = (exchange: string) => `${exchange}.control`;
export const pausedQueuesQueueOf = (exchange: string) => `${exchange}.paused-queues`;

function parse(message: Message, logger: BrokerLogger): string[] | null {
  try {
    const value: unknown = JSON.parse(message.content.toString('utf8'));
    if (Array.isArray(value) && value.every((name) => typeof name === 'string')) return value as string[];
  } catch {
    // reported below
  }
  logger.warn('Ignoring a paused-queues announcement that is not a JSON array of queue names');
  return null;
}

/**
 * The set of paused queues, shared by every process: a change is published (confirmed) as the whole set to a fanout
 * exchange, which holds its latest in a last-value queue (x-max-length 1, read without taking it) and hands it to
 * every broker's exclusive queue, so each broker knows within a round trip and tells its consumers. Two operators
 * changing the set in the same instant from different processes: the last one wins.
 */
export class PauseControl {
  private paused = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private starting: Promise<void> | null = null;
  private removeReconnect: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly connection: ConnectionManager,
    private readonly publisher: ConfirmPublisher,
    private readonly exchange: string,
    private readonly logger: BrokerLogger,
  ) {}

  /** Subscribes to the announcements and reads the current set (once; again after a reconnect). */
  start(): Promise<void> {
    this.removeReconnect ??= this.connection.onReconnect(() => {
      this.starting = null;
      void this.start().catch((error) => this.logger.warn('Could not follow the paused queues after reconnecting', error));
    });
    this.starting ??= this.subscribe().catch((error: unknown) => {
      this.starting = null;
      throw error;
    });
    return this.starting;
  }

  isPaused(queue: string): boolean {
    return this.paused.has(queue);
  }

  list(): string[] {
    return [...this.paused].sort();
  }

  /** Called on every change of the set; returns the removal. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Announces the set with `queue` paused (true) or not; resolves once RabbitMQ confirmed it. */
  async set(queue: string, paused: boolean): Promise<void> {
    await this.start();
    const next = new Set(this.paused);
    if (paused) next.add(queue);
    else next.delete(queue);
    const content = Buffer.from(JSON.stringify([...next].sort()));
    await this.publisher.send([{ exchange: controlExchangeOf(this.exchange), routingKey: '', content, options: { persistent: true, contentType: 'application/json' } }]);
    this.apply([...next]);
  }

  close(): void {
    this.closed = true;
    this.removeReconnect?.();
    this.listeners.clear();
  }

  private async subscribe(): Promise<void> {
    const tracked: TrackedChannel = await this.connection.openChannel();
    const { channel } = tracked;
    try {
      const exchange = controlExchangeOf(this.exchange);
      const state = pausedQueuesQueueOf(this.exchange);
      await channel.assertExchange(exchange, 'fanout', { durable: true });
      await channel.assertQueue(state, { durable: true, arguments: { 'x-max-length': 1 } });
      await channel.bindQueue(state, exchange, '');
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
      await channel.bindQueue(queue, exchange, '');
      await channel.consume(queue, (message) => message && this.announced(message), { noAck: true });
      // Subscribed first, read second: a change in between is not missed (at worst applied twice).
      await this.readState(channel, state);
    } catch (error) {
      await tracked.close();
      throw error;
    }
    void tracked.closed.then(() => {
      this.starting = null;
      // A channel closed alone (the connection's loss is the reconnect's): follow the set again.
      if (!this.closed && this.connection.state === 'connected') void this.start().catch((error) => this.logger.warn('Could not follow the paused queues', error));
    });
  }

  private async readState(channel: Channel, state: string): Promise<void> {
    const message = await channel.get(state, { noAck: false });
    if (message === false) return;
    channel.nack(message, false, true); // the set stays for the next reader
    this.announced(message);
  }

  private announced(message: Message): void {
    const names = parse(message, this.logger);
    if (names) this.apply(names);
  }

  private apply(names: string[]): void {
    const next = new Set(names);
    const changed = next.size !== this.paused.size || names.some((name) => !this.paused.has(name));
    this.paused = next;
    if (changed) this.listeners.forEach((listener) => listener());
  }
}
