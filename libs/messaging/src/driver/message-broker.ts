// The seam between the library and a broker engine (River's riverdriver): the transport, the outbox relay, the
// alerter, metrics, health and housekeeping use only this. drivers/postgres and drivers/rabbitmq implement it, and
// testing/driver-conformance checks that both keep the same contract.
import type { DeadLetterEvent } from './dead-letter-event.js';
import type { BrowseQuery, DeadLetterGroup, MessageDetail, MessagePage, QueueActivity } from './admin-types.js';
import type { BrokerCapabilities } from './capabilities.js';
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
} from './broker-types.js';
import type { Delivery, OutgoingMessage } from '../message.js';
import type { QueueOptions } from '../topology/queue-options.js';

/** A periodic cleanup a driver needs (Housekeeping runs it): removes up to `limit` things, returns how many. */
export interface MaintenanceChore {
  /** For the log lines: "Deduplication purge". */
  name: string;
  /** Between runs, in ms. */
  intervalMs: number;
  run(limit: number): Promise<number>;
}

/** Where a request's replies arrive: put `address` in the request's reply-to header. */
export interface ReplyInbox {
  readonly address: string;
  close(): Promise<void>;
}

export interface MessageBroker {
  /** What this engine can do; callers, docs and tests branch on these, never on the driver's name. */
  readonly capabilities: BrokerCapabilities;

  // ---- topology -------------------------------------------------------------------------------------------------
  /** Creates a queue (and its dead-letter queue) or checks that the given options equal the declared ones. */
  declareQueue(name: string, options?: QueueOptions): Promise<QueueInfo>;
  /** Changes a queue's options (capability `queueUpdate`). */
  updateQueue(name: string, options: QueueOptions): Promise<QueueInfo>;
  getQueue(name: string): Promise<QueueInfo>;
  listQueues(): Promise<QueueInfo[]>;
  /** Binds a topic pattern (RabbitMQ rules: `*` one word, `#` zero or more) to a queue. Idempotent. */
  bindQueue(queue: string, pattern: string): Promise<void>;
  /** Returns whether the binding existed. */
  unbindQueue(queue: string, pattern: string): Promise<boolean>;
  /** Deletes a queue with its messages; returns how many messages went with it. */
  deleteQueue(name: string, options?: { ifEmpty?: boolean }): Promise<number>;

  // ---- publish --------------------------------------------------------------------------------------------------
  /** Routes and stores a batch; an unroutable message throws UnroutableMessageError (or is reported). */
  publish(messages: OutgoingMessage | readonly OutgoingMessage[], options?: PublishOptions): Promise<PublishResult>;
  /** Stores straight into one queue, bypassing bindings (replies); QueueNotFoundError when it does not exist. */
  publishToQueue(queue: string, messages: OutgoingMessage | readonly OutgoingMessage[], options?: Pick<PublishOptions, 'transaction'>): Promise<PublishResult>;

  // ---- consume and settle ---------------------------------------------------------------------------------------
  /** Starts a consumer; resolves once it receives. Stop it with `stop()` or `close()`. */
  consume<T = unknown>(queue: string, handler: MessageHandler<T>, options?: ConsumerOptions): Promise<MessageConsumer>;
  /** Pulls up to `limit` messages under a lease, outside a consumer (capability `pull`). */
  claim<T = unknown>(queue: string, options?: ClaimOptions): Promise<Delivery<T>[]>;
  ack(delivery: Delivery): Promise<void>;
  ackMany(deliveries: readonly Delivery[]): Promise<SettleResult>;
  nack(delivery: Delivery, options?: NackOptions): Promise<NackOutcome>;
  nackMany(deliveries: readonly Delivery[], options?: NackOptions): Promise<SettleResult & { outcomes: Map<string, NackOutcome> }>;
  /** Moves the lease's end (capability `leaseExtension`; without it throws CapabilityNotSupportedError). */
  extendLease(delivery: Delivery, leaseMs: number): Promise<Date>;
  /** Gives a message back, visible now, without counting the attempt. */
  release(delivery: Delivery): Promise<void>;
  /** Told of every message this broker's consumers handle (metrics); returns the removal. */
  onMessageHandled(listener: (message: HandledMessage) => void): () => void;

  // ---- request-reply --------------------------------------------------------------------------------------------
  /** Opens an address replies can be sent to with publishToQueue; `onReply` gets each one. */
  openReplyInbox(onReply: (reply: Delivery) => void | Promise<void>): Promise<ReplyInbox>;

  // ---- inspection and administration ------------------------------------------------------------------------------
  queueStats(queue: string): Promise<QueueStats>;
  queueDepths(): Promise<QueueDepth[]>;
  /** Reads messages without settling them (capability `browseWithoutConsuming` says whether it is invisible). */
  browse<T = unknown>(queue: string, options?: { limit?: number }): Promise<Delivery<T>[]>;
  /** Moves dead letters back to the queue they died in (or `to`), with a fresh attempt count; returns how many. */
  redrive(deadLetterQueue: string, options?: RedriveOptions): Promise<number>;
  /** Deletes a queue's messages that no consumer holds; returns how many. */
  purge(queue: string): Promise<number>;

  // ---- operators: the admin API, the console and the CLI ---------------------------------------------------------
  /** One page of a queue's messages without settling them (capabilities `browseStates`, `browseDepth`). */
  browseMessages(queue: string, query?: BrowseQuery): Promise<MessagePage>;
  /** One message of the queue (the oldest copy with this message id), with headers and payload; null if none. */
  getMessage(queue: string, messageId: string): Promise<MessageDetail | null>;
  /** Deletes the message's copies in this queue that no consumer holds; false when there was none to delete. */
  deleteMessage(queue: string, messageId: string): Promise<boolean>;
  /** Dead letters grouped by dead-letter queue, source queue, reason and error type: of every queue, or of one. */
  deadLetterGroups(queue?: string): Promise<DeadLetterGroup[]>;
  /**
   * Stops deliveries from a queue in every process within a second: consumers claim nothing more (handlers already
   * running finish), and so does claim(). Idempotent; publishing goes on.
   */
  pauseQueue(queue: string): Promise<void>;
  /** Lets a paused queue's consumers take messages again, in every process within a second. Idempotent. */
  resumeQueue(queue: string): Promise<void>;
  pausedQueues(): Promise<string[]>;
  /** Consumers subscribed per queue, over every process (every known queue, 0 included). */
  consumerCounts(): Promise<Record<string, number>>;
  /** Counts per queue over the last `sinceMs` (capability `activityRates`; rates are count / seconds). */
  activity(sinceMs: number): Promise<QueueActivity[]>;

  // ---- dead-letter events (the alerter) ---------------------------------------------------------------------------
  /**
   * Takes up to `limit` recorded dead-letter events, runs `work` on them, and forgets them only if it succeeds:
   * a crash repeats an event, never loses one. Several takers may run; each event goes to one. Returns how many.
   */
  takeDeadLetterEvents(limit: number, work: (events: DeadLetterEvent[]) => Promise<void>): Promise<number>;
  /** Calls `wakeUp` soon after a dead-letter event is recorded (a hint: takers also poll); returns the removal. */
  onDeadLetterEvent(wakeUp: () => void): Promise<() => void>;

  // ---- housekeeping and health ------------------------------------------------------------------------------------
  /** The periodic cleanups this engine needs (none where the engine does them itself). */
  maintenanceChores(options?: { deduplicationPurgeIntervalMs?: number; expiredQueueSweepIntervalMs?: number }): MaintenanceChore[];
  /** Does the engine answer? Resolves or throws. */
  ping(): Promise<void>;
  /** Queues this broker's consumers run on, and those whose consumer stopped while the broker stayed open. */
  readonly consumerStatus: { running: string[]; stopped: string[] };
  /** The connection that pushes wake-ups or deliveries: 'unused' until needed, then up or reconnecting. */
  readonly connectionState: 'unused' | 'connected' | 'disconnected';
  /** Stops every consumer gracefully, then the connections it owns. */
  close(): Promise<void>;
}
