import type { MessageState } from './admin-types.js';

/**
 * What a broker engine can do. Callers, the docs and the tests branch on these flags, never on a driver's name;
 * docs/scaling.md says what holds instead where a flag is false.
 */
export interface BrokerCapabilities {
  /** extendLease() moves a held delivery's deadline, fenced by its lease token. */
  leaseExtension: boolean;
  /** A lease runs out on its own: a handler that hangs past leaseMs has its message redelivered to another. */
  leaseExpiry: boolean;
  /** publish({ deduplicationWindowMs }) drops a message id already accepted within the window, broker-side. */
  deduplicationWindow: boolean;
  /** delayMs / deliverAt on publish and nack are kept to the millisecond ('exact') or rounded up ('rounded'). */
  delayedMessages: 'exact' | 'rounded';
  /** browse() reads messages without any trace on them (no delivery counted, order kept). */
  browseWithoutConsuming: boolean;
  /**
   * A batch is stored all or nothing: with mandatory 'error' an unroutable message stores none of its batch. Without
   * it the error is the same, but the routable messages of the batch were already delivered.
   */
  atomicBatchPublish: boolean;
  /** publish({ transaction }) joins the caller's PostgreSQL transaction. */
  transactionalPublish: boolean;
  /** claim() pulls a batch under leases outside a consumer. */
  pull: boolean;
  /** updateQueue() changes a declared queue's options in place. */
  queueUpdate: boolean;
  /** listQueues() and getQueue().bindings read the broker's topology, not only what this process declared. */
  topologyIntrospection: boolean;
  /** The states browseMessages can show (a state not listed throws CapabilityNotSupportedError). */
  browseStates: readonly MessageState[];
  /**
   * How deep browseMessages, getMessage, deleteMessage and deadLetterGroups read into a queue: null for the whole
   * queue, else at most this many messages from its head (what lies further is not seen).
   */
  browseDepth: number | null;
  /** activity() counts published, delivered, acked and dead-lettered messages over every process. */
  activityRates: boolean;
  /** A paused queue's consumers stay subscribed: consumerCounts() still counts them (false: a pause cancels them). */
  pausedConsumersCounted: boolean;
}
