/*
 * RabbitMQ (3.10+, no plugins) behind the MessageBroker interface.
 *
 * Client: amqplib. Nest's own RMQ transport and its ecosystem use it, it has no dependencies and ships its types.
 * Its reconnection is opt-in (connect with `recovery`) and not used here: the driver owns its connection and
 * channels, giving every connection a generation, so a delivery is settled only on the channel it came on, and an
 * ack can be neither sent twice nor sent on a new channel where its delivery tag would name another message.
 *
 * Layout: one durable topic exchange (`exchange`), quorum queues, a dead-letter topic exchange
 * `<exchange>.dead-letter` with `<queue>.dlq` bound by key and `<exchange>.dead-letter-events` bound `#`;
 * delays and retries wait in TTL'd delay queues (delays rounded up to two significant digits).
 *
 * Where the contract differs from the PostgreSQL driver, besides the capability flags (rabbitmq-capabilities.ts):
 * - publish with mandatory 'error': the routable messages of the call were delivered (RabbitMQ cannot undo them);
 *   `copies` counts messages routed, not queue copies; a delayed message is routed when due, never reported unroutable.
 * - a re-declare must repeat every option (RabbitMQ compares all arguments), not only the ones given.
 * - a process that consumes a queue it did not declare assumes the default options (AMQP cannot read them back).
 * - a retried or released message goes to the queue's tail; prefetched messages lost with a channel come back
 *   with their attempt counted (RabbitMQ counts the return).
 * - queueStats: `delayed` counts the delay queues this broker used, `leaseExpired` is 0; queueDepths' ages are 0.
 * - unbindQueue answers from what this broker knows; onDeadLetterEvent hints only of this broker's dead letters.
 * - replies to a reply inbox die with its channel (direct reply-to is not persisted).
 */
import type { DeadLetterEvent } from '../../driver/dead-letter-event.js';
import type { MaintenanceChore, MessageBroker, ReplyInbox } from '../../driver/message-broker.js';
import { OperatorMethods, type MessageBrowsing, type QueueControl } from '../../driver/operator-methods.js';
import type {
  ClaimOptions,
  ConsumerOptions,
  HandledMessage,
  MessageConsumer,
  MessageHandler,
  NackOptions,
  NackOutcome,
  PublishOptions,
  PublishResult,
  QueueDepth,
  QueueInfo,
  QueueStats,
  RedriveOptions,
  SettleResult,
} from '../../driver/broker-types.js';
import { BrokerClosedError } from '../../errors.js';
import { consoleLogger, type BrokerLogger } from '../../core/logger.js';
import type { Delivery, OutgoingMessage } from '../../message.js';
import { untraced, withSendSpan } from '../../telemetry/messaging-spans.js';
import { RABBITMQ_MESSAGING_SYSTEM } from '../../telemetry/semconv.js';
import type { QueueOptions } from '../../topology/queue-options.js';
import { assertKnownFields } from '../../validation/fields.js';
import { assertQueueName } from '../../validation/names.js';
import { assertIntegerInRange } from '../../validation/numbers.js';
import { ConfirmPublisher } from './confirm-channel.js';
import { ConnectionManager } from './connection.js';
import { RabbitConsumerRegistry } from './consumer-registry.js';
import { DeadLetterBrowser } from './dead-letter-browser.js';
import { takeDeadLetterEvents } from './dead-letter-events.js';
import { DelayQueues } from './delay-queues.js';
import { CapabilityNotSupportedError } from '../../errors.js';
import { HeldDeliveries } from './held-deliveries.js';
import { Inspection } from './inspection.js';
import { PauseControl } from './pause-control.js';
import { PullChannel } from './pull-channel.js';
import { Publisher } from './publisher.js';
import { RabbitMqBrokerOptions, resolveRabbitMqOptions } from './rabbitmq-options.js';
import { RABBITMQ_CAPABILITIES } from './rabbitmq-capabilities.js';
import { RabbitQueueControl } from './queue-control.js';
import { redrive } from './redrive.js';
import { ReplyInboxes } from './reply-inbox.js';
import { Settler, settleEach } from './settler.js';
import { Topology } from './topology.js';

const CLAIM_OPTIONS: ReadonlySet<string> = new Set(['limit', 'leaseMs']);

export class RabbitMqBroker extends OperatorMethods implements MessageBroker {
  readonly capabilities = RABBITMQ_CAPABILITIES;
  private readonly logger: BrokerLogger;
  private readonly topology: Topology;
  private readonly held = new HeldDeliveries();
  private readonly main: ConfirmPublisher;
  private readonly delays: DelayQueues;
  private readonly publisher: Publisher;
  private readonly settler: Settler;
  private readonly inspection: Inspection;
  private readonly inboxes: ReplyInboxes;
  private readonly pull: PullChannel;
  private readonly consumers: RabbitConsumerRegistry;
  private readonly pauses: PauseControl;
  private readonly browser: DeadLetterBrowser;
  private readonly queueControl: RabbitQueueControl;
  private readonly deadLetterListeners = new Set<() => void>();
  private closed = false;

  private constructor(
    private readonly connection: ConnectionManager,
    options: ReturnType<typeof resolveRabbitMqOptions>,
  ) {
    super();
    this.logger = options.logger ?? consoleLogger;
    this.topology = new Topology(connection, options.exchange, this.logger);
    this.main = new ConfirmPublisher(connection);
    this.delays = new DelayQueues(connection, options.exchange);
    this.inboxes = new ReplyInboxes(connection, this.logger);
    this.publisher = new Publisher(this.main, this.delays, options.exchange, options.maxPayloadBytes, (address) => this.inboxes.channelOf(address));
    this.settler = new Settler({
      held: this.held,
      publisher: this.main,
      delays: this.delays,
      deadLetterExchange: this.topology.deadLetterExchange,
      optionsOf: (queue) => this.topology.optionsOf(queue),
      deadLettered: () => this.deadLetterListeners.forEach((wakeUp) => wakeUp()),
    });
    this.inspection = new Inspection(connection, this.topology, this.delays, this.held);
    this.pull = new PullChannel(connection, this.held, this.settler, (queue) => this.topology.optionsOf(queue));
    this.pauses = new PauseControl(connection, this.main, options.exchange, this.logger);
    this.browser = new DeadLetterBrowser(connection, this.topology);
    this.queueControl = new RabbitQueueControl(this.topology, this.pauses);
    const optionsOf = (queue: string) => this.topology.optionsOf(queue);
    this.consumers = new RabbitConsumerRegistry({ connection, held: this.held, settler: this.settler, logger: this.logger, optionsOf, pauses: this.pauses });
  }

  /** Connects (failing at once if RabbitMQ is not there) and declares the exchanges and the dead-letter events queue. */
  static async connect(options: RabbitMqBrokerOptions = {}): Promise<RabbitMqBroker> {
    const resolved = resolveRabbitMqOptions(options);
    const connection = new ConnectionManager(resolved, resolved.logger ?? consoleLogger);
    await connection.start();
    const broker = new RabbitMqBroker(connection, resolved);
    try {
      await broker.topology.setUp();
    } catch (error) {
      await connection.close();
      throw error;
    }
    connection.onReconnect(() => void broker.topology.setUp().catch((error) => broker.logger.warn('Re-declaring the exchanges failed', error)));
    return broker;
  }

  // ---- topology -------------------------------------------------------------------------------------------------
  declareQueue(name: string, options?: QueueOptions): Promise<QueueInfo> {
    return this.open().topology.declareQueue(name, options);
  }
  /** Throws QueueOptionsConflictError unless nothing would change: quorum-queue arguments are immutable. */
  updateQueue(name: string, options: QueueOptions): Promise<QueueInfo> {
    return this.open().topology.updateQueue(name, options);
  }
  getQueue(name: string): Promise<QueueInfo> {
    return this.open().topology.getQueue(name);
  }
  /** The queues this broker declared that still exist (AMQP cannot list queues). */
  listQueues(): Promise<QueueInfo[]> {
    return this.open().topology.listQueues();
  }
  bindQueue(queue: string, pattern: string): Promise<void> {
    return this.open().topology.bindQueue(queue, pattern);
  }
  unbindQueue(queue: string, pattern: string): Promise<boolean> {
    return this.open().topology.unbindQueue(queue, pattern);
  }
  deleteQueue(name: string, options?: { ifEmpty?: boolean }): Promise<number> {
    return this.open().topology.deleteQueue(name, options);
  }

  // ---- publish --------------------------------------------------------------------------------------------------
  async publish(messages: OutgoingMessage | readonly OutgoingMessage[], options?: PublishOptions): Promise<PublishResult> {
    const publisher = this.open().publisher;
    const batch = Array.isArray(messages) ? messages : [messages as OutgoingMessage];
    return withSendSpan(batch, undefined, (stamped) => publisher.publish(stamped, options), RABBITMQ_MESSAGING_SYSTEM);
  }
  async publishToQueue(queue: string, messages: OutgoingMessage | readonly OutgoingMessage[], options?: Pick<PublishOptions, 'transaction'>): Promise<PublishResult> {
    const publisher = this.open().publisher;
    const batch = Array.isArray(messages) ? messages : [messages as OutgoingMessage];
    return withSendSpan(batch, queue, (stamped) => publisher.publishToQueue(queue, stamped, options), RABBITMQ_MESSAGING_SYSTEM);
  }

  // ---- consume and settle ---------------------------------------------------------------------------------------
  async consume<T = unknown>(queue: string, handler: MessageHandler<T>, options?: ConsumerOptions): Promise<MessageConsumer> {
    this.open();
    assertQueueName(queue);
    await this.topology.assertExists(queue);
    await this.pauses.start();
    return this.consumers.start(queue, handler, options);
  }

  /** basic.get under this broker's pull channel; `leaseMs` is accepted and has no effect (no lease runs out). */
  async claim<T = unknown>(queue: string, options: ClaimOptions = {}): Promise<Delivery<T>[]> {
    this.open();
    assertKnownFields(options, CLAIM_OPTIONS, 'the claim options');
    assertQueueName(queue);
    const limit = assertIntegerInRange('limit', options.limit === undefined ? 1 : options.limit, 1, 5000);
    if (options.leaseMs !== undefined) assertIntegerInRange('leaseMs', options.leaseMs, 1, 12 * 60 * 60 * 1000);
    await this.pauses.start();
    return this.pauses.isPaused(queue) ? [] : this.pull.claim<T>(queue, limit);
  }

  async ack(delivery: Delivery): Promise<void> {
    this.settler.ack(this.open().held.take(delivery, 'ack'));
  }
  async ackMany(deliveries: readonly Delivery[]): Promise<SettleResult> {
    return settleEach(deliveries, async (d) => void (await this.ack(d)));
  }
  async nack(delivery: Delivery, options?: NackOptions): Promise<NackOutcome> {
    return this.settler.nack(this.open().held.take(delivery, 'nack'), options);
  }
  async nackMany(deliveries: readonly Delivery[], options?: NackOptions): Promise<SettleResult & { outcomes: Map<string, NackOutcome> }> {
    const outcomes = new Map<string, NackOutcome>();
    const result = await settleEach(deliveries, async (d) => void outcomes.set(d.id, await this.nack(d, options)));
    return { ...result, outcomes };
  }
  /** Capability leaseExtension false: a delivery is held until settled or its channel closes. */
  async extendLease(delivery: Delivery, leaseMs: number): Promise<Date> {
    void delivery;
    void leaseMs;
    throw new CapabilityNotSupportedError('leaseExtension', 'a RabbitMQ delivery is held until it is settled or its channel closes; no lease runs out');
  }
  /** Republishes the message to its queue's tail with the attempt un-counted, then acks the original. */
  async release(delivery: Delivery): Promise<void> {
    return this.settler.release(this.open().held.take(delivery, 'release'));
  }
  onMessageHandled(listener: (message: HandledMessage) => void): () => void {
    return this.consumers.onMessageHandled(listener);
  }

  // ---- request-reply --------------------------------------------------------------------------------------------
  openReplyInbox(onReply: (reply: Delivery) => void | Promise<void>): Promise<ReplyInbox> {
    return this.open().inboxes.open(onReply);
  }

  // ---- inspection and administration ----------------------------------------------------------------------------
  queueStats(queue: string): Promise<QueueStats> {
    return this.open().inspection.queueStats(queue);
  }
  queueDepths(): Promise<QueueDepth[]> {
    return untraced(() => this.open().inspection.queueDepths());
  }
  browse<T = unknown>(queue: string, options?: { limit?: number }): Promise<Delivery<T>[]> {
    return this.open().inspection.browse<T>(queue, options);
  }
  redrive(deadLetterQueue: string, options?: RedriveOptions): Promise<number> {
    return redrive(this.open().connection, this.topology, this.main, deadLetterQueue, options);
  }
  purge(queue: string): Promise<number> {
    return this.open().inspection.purge(queue);
  }

  // ---- dead-letter events ---------------------------------------------------------------------------------------
  takeDeadLetterEvents(limit: number, work: (events: DeadLetterEvent[]) => Promise<void>): Promise<number> {
    return untraced(() => takeDeadLetterEvents(this.open().connection, this.topology.eventsQueue, limit, work));
  }
  /** A hint for dead letters this broker made; RabbitMQ's own (the delivery-limit backstop) are found by polling. */
  async onDeadLetterEvent(wakeUp: () => void): Promise<() => void> {
    this.deadLetterListeners.add(wakeUp);
    return () => this.deadLetterListeners.delete(wakeUp);
  }

  // ---- housekeeping and health ----------------------------------------------------------------------------------
  /** None: delay queues expire by themselves (x-expires) and there is no deduplication table. */
  maintenanceChores(): MaintenanceChore[] {
    return [];
  }
  async ping(): Promise<void> {
    await untraced(() => this.open().connection.withChannel((channel) => channel.checkExchange(this.topology.exchange)));
  }
  get consumerStatus(): { running: string[]; stopped: string[] } {
    return this.consumers.status;
  }
  get connectionState(): 'unused' | 'connected' | 'disconnected' {
    return this.connection.state;
  }
  /** The node connected to (host:port, of `url`/`urls`), or undefined while disconnected. */
  get connectedNode(): string | undefined {
    return this.connection.connectedNode;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.consumers.stopAll();
    this.closed = true;
    this.pauses.close();
    await this.inboxes.closeAll();
    await this.pull.close();
    await this.main.close();
    await this.connection.close();
  }

  private open(): this {
    if (this.closed) throw new BrokerClosedError('The broker is closed');
    return this;
  }
  protected browsing(): MessageBrowsing {
    return this.open().browser;
  }
  protected control(): QueueControl {
    return this.open().queueControl;
  }
}
