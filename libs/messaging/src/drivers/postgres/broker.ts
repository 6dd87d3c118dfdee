import type { ClaimOptions } from '../../driver/broker-types.js';
export type { ClaimOptions } from '../../driver/broker-types.js';
import pg from 'pg';
import type { BrokerCapabilities } from '../../driver/capabilities.js';
import type { DeadLetterEvent } from '../../driver/dead-letter-event.js';
import { OperatorMethods, type MessageBrowsing, type QueueControl } from '../../driver/operator-methods.js';
import type { MaintenanceChore, MessageBroker, ReplyInbox } from '../../driver/message-broker.js';
import { BrokerClosedError, LeaseLostError } from '../../errors.js';
import { BrokerStatements, DEAD_LETTER_WAKE_UP } from './statements/broker-statements.js';
import { migrate } from './migrations/index.js';
import type { QueueOptions } from '../../topology/queue-options.js';
import { Topology, type QueueInfo } from './topology.js';
import { assertHeldDeliveries } from '../../validation/delivery.js';
import { assertQueueName } from '../../validation/names.js';
import { assertIntegerInRange } from '../../validation/numbers.js';
import { BROKER_DEFAULTS, brokerPoolConfig, usesPreparedStatements, validateBrokerOptions, type BrokerOptions } from './broker-options.js';
import type { Consumer, ConsumerOptions, HandledMessage, MessageHandler } from './consumer.js';
import { consoleLogger, type BrokerLogger } from '../../core/logger.js';
import type { Delivery, OutgoingMessage } from '../../message.js';
import { QueueAdmin, type QueueDepth, type QueueStats, type RedriveOptions } from './queue-admin.js';
import { Publisher, type PublishOptions, type PublishResult } from './publisher.js';
import { Settler, type NackOptions, type NackOutcome, type SettleResult } from './settler.js';
import { inTransaction, pgExecutor, withClient, type SqlExecutor } from '../../postgres/sql-executor.js';
import { WakeUpListener } from '../../postgres/wake-up-listener.js';
import { POSTGRES_CAPABILITIES } from './capabilities.js';
import { Claimer, MAX_CLAIM_LEASE_MS } from './claimer.js';
import { ConsumerRegistry } from './consumer-registry.js';
import { takeDeadLetterEvents } from './dead-letter-events.js';
import { postgresMaintenanceChores } from './maintenance-chores.js';
import { openReplyQueue } from './reply-inbox.js';
import { untraced, withSendSpan } from '../../telemetry/messaging-spans.js';
import { ActivityRecorder } from './activity-recorder.js';
import { MessageBrowser } from './message-browser.js';
import { QueueOperations } from './queue-operations.js';

/**
 * PostgreSQL as a message broker (the `MessageBroker` of the postgres driver): topology, publish, claim and settle,
 * and consumers. One instance per process is enough; it owns a pool (unless given one) and one LISTEN connection
 * shared by its consumers. Besides the interface it offers what only PostgreSQL has: the pool, queue expiry
 * (renewQueue), wake-ups by NOTIFY payload.
 */
export class Broker extends OperatorMethods implements MessageBroker {
  readonly capabilities: BrokerCapabilities = POSTGRES_CAPABILITIES;
  readonly schema: string;
  /** Behind PgBouncer in transaction mode (`pgbouncer` option): nothing LISTENs, consumers poll. */
  readonly pgbouncer: boolean;
  /** Whether hot-path statements are named (prepared once per connection); see BrokerOptions.preparedStatements. */
  readonly preparedStatements: boolean;
  private readonly sql: BrokerStatements;
  private readonly topology: Topology;
  private readonly publisher: Publisher;
  private readonly settler: Settler;
  private readonly admin: QueueAdmin;
  private readonly claimer: Claimer;
  private readonly listener: WakeUpListener;
  private readonly consumers: ConsumerRegistry;
  private readonly recorder: ActivityRecorder;
  private readonly browser: MessageBrowser;
  private readonly operations: QueueOperations;
  private readonly db: SqlExecutor;
  private readonly logger: BrokerLogger;
  private closed = false;

  private constructor(
    /** The broker database's pool (PostgreSQL-only: callers above the MessageBroker interface do not need it). */
    readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
    options: BrokerOptions,
  ) {
    super();
    this.schema = options.schema ?? BROKER_DEFAULTS.schema;
    this.logger = options.logger ?? consoleLogger;
    this.pgbouncer = options.pgbouncer ?? BROKER_DEFAULTS.pgbouncer;
    this.preparedStatements = usesPreparedStatements(options);
    this.sql = new BrokerStatements(this.schema, { prepared: this.preparedStatements });
    this.db = pgExecutor(pool);
    this.topology = new Topology(pool, this.sql);
    const perQueue = () => this.consumers.countsPerQueue();
    const recorder = (this.recorder = new ActivityRecorder(this.db, this.sql, perQueue, this.logger, options.activityFlushIntervalMs));
    const maxPayloadBytes = options.maxPayloadBytes ?? BROKER_DEFAULTS.maxPayloadBytes;
    this.publisher = new Publisher(this.sql, this.db, (work) => inTransaction(pool, work), maxPayloadBytes, (counts) => recorder.countPublished(counts));
    this.settler = new Settler(this.db, this.sql, (queue, counter) => recorder.count(queue, counter));
    this.admin = new QueueAdmin(this.db, this.sql);
    this.claimer = new Claimer(this.db, this.sql, this.admin, (queue, n) => recorder.count(queue, 'delivered', n));
    this.browser = new MessageBrowser(this.db, this.sql, (queue) => this.admin.assertQueueExists(queue));
    this.operations = new QueueOperations(this.db, this.sql, recorder);
    this.listener = new WakeUpListener(pool.options as pg.ClientConfig, this.sql.channel, this.logger);
    const ports = { settler: this.settler, logger: this.logger, subscribe: this.listener.subscribe.bind(this.listener) };
    this.consumers = new ConsumerRegistry({ ...ports, claim: (...args) => this.open().claimer.batch(...args) }, this.pgbouncer, () => recorder.start());
  }

  /** Connects (and, unless `migrate: false`, brings the schema up to date). */
  static async connect(options: BrokerOptions = {}): Promise<Broker> {
    validateBrokerOptions(options);
    const ownsPool = !options.pool;
    const pool = options.pool ?? new pg.Pool(brokerPoolConfig(options));
    // An idle connection the server drops makes the pool emit 'error'; unheard, that ends the process.
    if (pool.listenerCount('error') === 0) pool.on('error', (error) => (options.logger ?? consoleLogger).warn('Idle database connection failed', error));
    const broker = new Broker(pool, ownsPool, options);
    try {
      if (options.migrate ?? BROKER_DEFAULTS.migrate) await withClient(pool, (client) => migrate(client, broker.schema));
    } catch (error) {
      if (ownsPool) await pool.end();
      throw error;
    }
    return broker;
  }

  // ---- topology -------------------------------------------------------------------------------------------------

  async declareQueue(name: string, options?: QueueOptions): Promise<QueueInfo> {
    return this.open().topology.declareQueue(name, options);
  }
  async updateQueue(name: string, options: QueueOptions): Promise<QueueInfo> {
    return this.open().topology.updateQueue(name, options);
  }
  async getQueue(name: string): Promise<QueueInfo> {
    return this.open().topology.getQueue(name);
  }
  async listQueues(): Promise<QueueInfo[]> {
    return this.open().topology.listQueues();
  }
  async bindQueue(queue: string, pattern: string): Promise<void> {
    return this.open().topology.bindQueue(queue, pattern);
  }
  async unbindQueue(queue: string, pattern: string): Promise<boolean> {
    return this.open().topology.unbindQueue(queue, pattern);
  }
  async deleteQueue(name: string, options?: { ifEmpty?: boolean }): Promise<number> {
    return this.open().topology.deleteQueue(name, options);
  }

  // ---- publish --------------------------------------------------------------------------------------------------

  /** Publishes one message or a batch; see PublishOptions for transactions and unroutable messages. */
  async publish(messages: OutgoingMessage | readonly OutgoingMessage[], options?: PublishOptions): Promise<PublishResult> {
    const publisher = this.open().publisher;
    const batch = Array.isArray(messages) ? messages : [messages as OutgoingMessage];
    return withSendSpan(batch, undefined, (stamped) => publisher.publish(stamped, options));
  }

  /**
   * Publishes straight into one queue, bypassing the bindings (RabbitMQ's default exchange); used for replies.
   * Throws QueueNotFoundError, storing nothing, when the queue does not exist.
   */
  async publishToQueue(queue: string, messages: OutgoingMessage | readonly OutgoingMessage[], options?: Pick<PublishOptions, 'transaction'>): Promise<PublishResult> {
    const publisher = this.open().publisher;
    const batch = Array.isArray(messages) ? messages : [messages as OutgoingMessage];
    return withSendSpan(batch, queue, (stamped) => publisher.publishToQueue(queue, stamped, options));
  }

  // ---- claim and settle -----------------------------------------------------------------------------------------

  /** Claims up to `limit` messages under a fresh lease each (one round trip). */
  claim<T = unknown>(queue: string, options: ClaimOptions = {}): Promise<Delivery<T>[]> {
    return this.open().claimer.claim<T>(queue, options);
  }

  /** Acks one delivery (joins a shared batch). Throws LeaseLostError if the lease is no longer this delivery's. */
  async ack(delivery: Delivery): Promise<void> {
    assertHeldDeliveries([delivery]);
    return this.open().settler.ack(delivery);
  }
  /** Acks many in one statement; the ones whose lease was lost are listed, not thrown. */
  async ackMany(deliveries: readonly Delivery[]): Promise<SettleResult> {
    assertHeldDeliveries(deliveries);
    return this.open().settler.ackMany(deliveries);
  }
  /** Fails one delivery: retry later (backoff, `delayMs` or `deliverAt`), or dead-letter on the last attempt or when rejected. */
  async nack(delivery: Delivery, options?: NackOptions): Promise<NackOutcome> {
    assertHeldDeliveries([delivery]);
    return this.open().settler.nack(delivery, options);
  }
  async nackMany(deliveries: readonly Delivery[], options?: NackOptions): Promise<SettleResult & { outcomes: Map<string, NackOutcome> }> {
    assertHeldDeliveries(deliveries);
    return this.open().settler.nackMany(deliveries, options);
  }
  /** Extends a lease to now + leaseMs; returns the new expiry. Throws LeaseLostError if the lease was lost. */
  async extendLease(delivery: Delivery, leaseMs: number): Promise<Date> {
    assertHeldDeliveries([delivery]);
    assertIntegerInRange('leaseMs', leaseMs, 1, MAX_CLAIM_LEASE_MS);
    const expiry = await this.open().settler.extendLease(delivery, leaseMs);
    delivery.leaseExpiresAt = expiry;
    return expiry;
  }
  /** Gives a message back, visible now, without counting the attempt. */
  async release(delivery: Delivery): Promise<void> {
    assertHeldDeliveries([delivery]);
    const { lost } = await this.open().settler.releaseMany([delivery], true);
    if (lost.length > 0) throw new LeaseLostError(delivery.messageId, 'release');
  }

  // ---- consume --------------------------------------------------------------------------------------------------

  /** Starts a consumer on a queue; resolves once it listens. Stop it with `consumer.stop()` or `broker.close()`. */
  async consume<T = unknown>(queue: string, handler: MessageHandler<T>, options?: ConsumerOptions): Promise<Consumer<T>> {
    this.open();
    assertQueueName(queue);
    await this.admin.assertQueueExists(queue);
    return this.consumers.start(queue, handler, options);
  }

  onMessageHandled(listener: (message: HandledMessage) => void): () => void {
    return this.consumers.onMessageHandled(listener);
  }

  /** A reply queue of its own (`reply.<uuid>`, expiring unless renewed, which it is while open); see reply-inbox.ts. */
  openReplyInbox(onReply: (reply: Delivery) => void | Promise<void>): Promise<ReplyInbox> {
    return openReplyQueue(this.open(), onReply);
  }

  /** The deduplication purge and the expired-queue sweep (Housekeeping.forBroker runs them). */
  maintenanceChores(options?: { deduplicationPurgeIntervalMs?: number; expiredQueueSweepIntervalMs?: number }): MaintenanceChore[] {
    return postgresMaintenanceChores(this, options);
  }

  /** Forgets message ids whose deduplication window is over (up to `limit`); returns how many. Housekeeping runs it. */
  purgeExpiredDeduplication(options: { limit?: number } = {}): Promise<number> {
    return this.open().admin.purgeExpiredDeduplication(options);
  }

  // ---- inspection -----------------------------------------------------------------------------------------------

  queueStats(queue: string): Promise<QueueStats> {
    return this.open().admin.queueStats(queue);
  }
  /** Every queue's message counts (ready, delayed, leased) and the age of its oldest waiting message, in seconds. */
  queueDepths(): Promise<QueueDepth[]> {
    return this.open().admin.queueDepths();
  }
  /** Reads a queue's messages without claiming them, in delivery order, e.g. to inspect a dead-letter queue. */
  browse<T = unknown>(queue: string, options: { limit?: number } = {}): Promise<Delivery<T>[]> {
    return this.open().admin.browse<T>(queue, options);
  }

  /** Keeps a queue alive for `ttlMs` more (RabbitMQ's x-expires); the expired-queue sweep deletes one not renewed. */
  renewQueue(name: string, ttlMs: number): Promise<void> {
    return this.open().admin.renewQueue(name, ttlMs);
  }
  /** Deletes the queues whose expiry passed (with their messages); returns their names. */
  deleteExpiredQueues(): Promise<string[]> {
    return this.open().admin.deleteExpiredQueues();
  }

  // ---- dead-letter administration -----------------------------------------------------------------------------

  /**
   * Moves dead letters back, oldest first (SQS's DLQ redrive): each to the queue it died in, or all to `to`, with a
   * fresh count of attempts and their death history kept. Returns how many were moved.
   */
  redrive(deadLetterQueue: string, options: RedriveOptions = {}): Promise<number> {
    return this.open().admin.redrive(deadLetterQueue, options);
  }
  /** Deletes the messages of a queue that no consumer holds (e.g. a dead-letter queue); returns how many. */
  purge(queue: string): Promise<number> {
    return this.open().admin.purge(queue);
  }

  // ---- dead-letter events ------------------------------------------------------------------------------------

  /** Takes up to 100 recorded dead-letter events at a time; see dead-letter-events.ts. */
  takeDeadLetterEvents(limit: number, work: (events: DeadLetterEvent[]) => Promise<void>): Promise<number> {
    return takeDeadLetterEvents(this.open().pool, this.sql, limit, work);
  }
  onDeadLetterEvent(wakeUp: () => void): Promise<() => void> {
    return this.onWakeUp(DEAD_LETTER_WAKE_UP, wakeUp);
  }

  /** Calls `wakeUp` on NOTIFYs with this payload (a queue name, or a '#' signal such as dead-letter events). */
  onWakeUp(payload: string, wakeUp: () => void): Promise<() => void> {
    if (this.open().pgbouncer) return Promise.resolve(() => undefined); // callers poll
    return this.listener.subscribe(payload, wakeUp);
  }

  /** Does the database answer? Resolves or throws (health checks). */
  async ping(): Promise<void> {
    await untraced(() => this.open().db.run(this.sql.ping()));
  }

  /** The queues this broker's consumers run on, and those whose consumer stopped while the broker stayed open. */
  get consumerStatus(): { running: string[]; stopped: string[] } {
    return this.consumers.status;
  }

  /** The LISTEN connection: 'unused' until someone subscribes, then 'connected' or 'disconnected' (reconnecting). */
  get connectionState(): 'unused' | 'connected' | 'disconnected' {
    return this.listener.state;
  }
  /** @deprecated Use connectionState. */
  get listenerState(): 'unused' | 'connected' | 'disconnected' {
    return this.connectionState;
  }

  /** The backend pid of the LISTEN session, once a consumer listens (for diagnostics and fault-injection tests). */
  get listenerBackendPid(): number | undefined {
    return this.listener.backendPid;
  }

  /** Stops every consumer (gracefully), the LISTEN connection, and the pool if the broker created it. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.consumers.stopAll();
    this.closed = true;
    await this.settler.idle();
    await this.recorder.close();
    await this.listener.close();
    if (this.ownsPool) await this.pool.end();
  }

  private open(): this {
    if (this.closed) throw new BrokerClosedError('The broker is closed');
    return this;
  }

  protected browsing(): MessageBrowsing {
    return this.open().browser;
  }
  protected control(): QueueControl {
    return this.open().operations;
  }

  /** Deletes activity counts older than `keepMs` (up to `limit`); the activity-pruning chore runs it. */
  pruneActivity(keepMs: number, limit: number): Promise<number> {
    return this.open().operations.prune(keepMs, limit);
  }
}

/** The PostgreSQL driver's broker, by the name that says so (`Broker` stays its name in the public API). */
export { Broker as PostgresBroker };
