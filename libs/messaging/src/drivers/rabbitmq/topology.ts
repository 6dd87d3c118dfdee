import type { Channel } from 'amqplib';
import type { QueueInfo } from '../../driver/broker-types.js';
import { InvalidArgumentError, QueueInUseError, QueueNotFoundError, QueueOptionsConflictError } from '../../errors.js';
import type { BrokerLogger } from '../../core/logger.js';
import { QUEUE_DEFAULTS, DEAD_LETTER_SUFFIX, resolveQueueOptions, type QueueOptions, type ResolvedQueueOptions } from '../../topology/queue-options.js';
import { assertPattern, assertQueueName } from '../../validation/names.js';
import { queueError } from './amqp-errors.js';
import type { ConnectionManager } from './connection.js';
import { deadLetterEventsQueueOf, deadLetterExchangeOf, deliverKeyOf } from './names.js';
import { queueArguments } from './queue-arguments.js';

interface KnownQueue {
  options: ResolvedQueueOptions;
  bindings: Set<string>;
  createdAt: Date;
}

/**
 * Exchanges, queues and bindings. AMQP cannot list queues or read a queue's arguments back (that needs the
 * management plugin), so what getQueue and listQueues report is what this broker declared or bound
 * (capability topologyIntrospection false); existence is checked with passive declares.
 */
export class Topology {
  private readonly known = new Map<string, KnownQueue>();
  /** Queues consumed here but declared elsewhere: the defaults assumed for them (checked to exist once). */
  private readonly assumed = new Map<string, ResolvedQueueOptions>();

  constructor(
    private readonly connection: ConnectionManager,
    readonly exchange: string,
    private readonly logger: BrokerLogger,
  ) {}

  get deadLetterExchange(): string {
    return deadLetterExchangeOf(this.exchange);
  }

  get eventsQueue(): string {
    return deadLetterEventsQueueOf(this.exchange);
  }

  /** The exchanges and the dead-letter events queue (idempotent: run on every connect). */
  async setUp(): Promise<void> {
    await this.connection.withChannel(async (channel) => {
      await channel.assertExchange(this.exchange, 'topic', { durable: true });
      await channel.assertExchange(this.deadLetterExchange, 'topic', { durable: true });
      await channel.assertQueue(this.eventsQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await channel.bindQueue(this.eventsQueue, this.deadLetterExchange, '#');
    });
  }

  /**
   * Declares a queue (and its default dead-letter queue). RabbitMQ compares every argument of a re-declare, so the
   * options must equal the first declare's in full (the defaults of the options left out included); a difference
   * throws QueueOptionsConflictError.
   */
  async declareQueue(name: string, options: QueueOptions = {}): Promise<QueueInfo> {
    const resolved = resolveQueueOptions(name, options);
    const dlq = resolved.deadLetterQueue;
    if (dlq !== null) {
      if (options.deadLetterQueue !== undefined) await this.assertExists(dlq);
      else await this.declareOne(dlq, resolveQueueOptions(dlq, { deadLetterQueue: null }));
    }
    await this.declareOne(name, resolved);
    return this.info(name);
  }

  /** Quorum-queue arguments cannot change: updateQueue succeeds only when nothing would change. */
  async updateQueue(name: string, options: QueueOptions): Promise<QueueInfo> {
    assertQueueName(name);
    const current = await this.optionsOf(name);
    const wanted = resolveQueueOptions(name, { ...current, ...options });
    const differences = (Object.keys(wanted) as (keyof ResolvedQueueOptions)[]).filter((key) => wanted[key] !== current[key]);
    if (differences.length > 0) {
      throw new QueueOptionsConflictError(
        `Queue ${JSON.stringify(name)} cannot be updated (${differences.join(', ')}): RabbitMQ's queue arguments are immutable; ` +
          'declare a new queue, move the bindings and drain the old one',
        { queue: name, differences },
      );
    }
    return this.info(name);
  }

  async getQueue(name: string): Promise<QueueInfo> {
    assertQueueName(name);
    await this.assertExists(name);
    return this.info(name);
  }

  async listQueues(): Promise<QueueInfo[]> {
    const names = [...this.known.keys()].sort();
    const infos: QueueInfo[] = [];
    for (const name of names) {
      try {
        await this.assertExists(name);
        infos.push(this.info(name));
      } catch (error) {
        if (!(error instanceof QueueNotFoundError)) throw error;
        this.known.delete(name); // deleted elsewhere
      }
    }
    return infos;
  }

  async bindQueue(queue: string, pattern: string): Promise<void> {
    assertQueueName(queue);
    assertPattern(pattern);
    await this.run(queue, (channel) => channel.bindQueue(queue, this.exchange, pattern));
    this.known.get(queue)?.bindings.add(pattern);
  }

  /**
   * AMQP's unbind does not say whether the binding existed: the answer is what this broker knows (true for a queue
   * it did not declare); false for a missing queue, as on PostgreSQL.
   */
  async unbindQueue(queue: string, pattern: string): Promise<boolean> {
    assertQueueName(queue);
    assertPattern(pattern);
    const exists = await this.assertExists(queue).then(
      () => true,
      (error: unknown) => (error instanceof QueueNotFoundError ? false : Promise.reject(error)),
    );
    if (!exists) return false;
    await this.run(queue, (channel) => channel.unbindQueue(queue, this.exchange, pattern));
    const known = this.known.get(queue);
    return known ? known.bindings.delete(pattern) : true;
  }

  /**
   * Quorum queues refuse queue.delete's if-empty flag (RabbitMQ answers it by closing the whole connection), so
   * `ifEmpty` is a passive declare's count first: it sees ready messages, not those a consumer holds unacked.
   */
  async deleteQueue(name: string, options: { ifEmpty?: boolean } = {}): Promise<number> {
    assertQueueName(name);
    if (options.ifEmpty !== undefined && typeof options.ifEmpty !== 'boolean') throw new InvalidArgumentError('ifEmpty must be a boolean', {});
    const { messageCount: ready } = await this.assertExists(name);
    const sources = [...this.known].filter(([, q]) => q.options.deadLetterQueue === name).map(([source]) => source);
    if (sources.length > 0) throw new QueueInUseError(`Queue ${JSON.stringify(name)} is the dead-letter queue of ${sources.join(', ')}`, { queue: name });
    if (options.ifEmpty && ready > 0) throw new QueueInUseError(`Queue ${JSON.stringify(name)} holds ${ready} messages`, { queue: name, messages: ready });
    const { messageCount } = await this.run(name, (channel) => channel.deleteQueue(name));
    this.known.delete(name);
    this.assumed.delete(name);
    return messageCount;
  }

  /** Throws QueueNotFoundError unless the queue exists (a passive declare on a channel of its own). */
  async assertExists(name: string): Promise<{ messageCount: number; consumerCount: number }> {
    return this.run(name, (channel) => channel.checkQueue(name));
  }

  /**
   * The options of a queue: those this broker declared it with, else the defaults (with a warning: AMQP cannot read
   * another process's arguments back; declare queues in every process that consumes them).
   */
  async optionsOf(name: string): Promise<ResolvedQueueOptions> {
    const known = this.known.get(name) ?? this.assumed.get(name);
    if (known) return 'options' in known ? known.options : known;
    await this.assertExists(name);
    this.logger.warn(`Queue ${name} was not declared by this process: its retry and dead-letter options are taken as the defaults`);
    const defaults = { ...QUEUE_DEFAULTS, deadLetterQueue: `${name}${DEAD_LETTER_SUFFIX}` };
    this.assumed.set(name, defaults);
    return defaults;
  }

  /** The dead-letter queue this broker declared `name` with (null when unknown or none). */
  deadLetterQueueOf(name: string): string | null {
    return this.known.get(name)?.options.deadLetterQueue ?? null;
  }

  knownQueues(): string[] {
    return [...this.known.keys()];
  }

  private async declareOne(name: string, options: ResolvedQueueOptions): Promise<void> {
    const args = queueArguments(name, options, this.exchange);
    await this.run(name, async (channel) => {
      await channel.assertQueue(name, { durable: true, arguments: args });
      // Any queue can be another's dead-letter queue: each is bound on the dead-letter exchange by its deliver key.
      await channel.bindQueue(name, this.deadLetterExchange, deliverKeyOf(name));
    }, 'already exists with other options (RabbitMQ compares every argument of a re-declare; quorum-queue arguments are immutable)');
    const known = this.known.get(name);
    if (!known) this.known.set(name, { options, bindings: new Set(), createdAt: new Date() });
    else known.options = options;
  }

  private info(name: string): QueueInfo {
    const known = this.known.get(name);
    if (!known) return { name, options: { ...QUEUE_DEFAULTS, deadLetterQueue: `${name}${DEAD_LETTER_SUFFIX}` }, bindings: [], createdAt: new Date() };
    return { name, options: { ...known.options }, bindings: [...known.bindings].sort(), createdAt: known.createdAt };
  }

  private async run<T>(queue: string, work: (channel: Channel) => Promise<T>, conflict?: string): Promise<T> {
    try {
      return await this.connection.withChannel(work);
    } catch (error) {
      throw queueError(error, queue, conflict);
    }
  }
}
