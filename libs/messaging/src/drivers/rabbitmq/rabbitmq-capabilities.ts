import type { BrokerCapabilities } from '../../driver/capabilities.js';
import { DEAD_LETTER_BROWSE_DEPTH } from './dead-letter-browser.js';

/**
 * What the RabbitMQ driver can do, and what holds instead where it cannot (RabbitMQ 3.10+, no plugins).
 * Contract points that differ from the PostgreSQL driver beyond these flags are listed in rabbitmq-broker.ts.
 */
export const RABBITMQ_CAPABILITIES: BrokerCapabilities = Object.freeze({
  /** extendLease throws CapabilityNotSupportedError: there is no lease to extend... */
  leaseExtension: false,
  /** ...because none runs out: a delivery is held until settled or until its channel (or connection) closes. */
  leaseExpiry: false,
  /** publish({ deduplicationWindowMs }) throws CapabilityNotSupportedError; the Inbox deduplicates on the consumer side. */
  deduplicationWindow: false,
  /** Delays and retry backoffs are rounded up to two significant digits (delay queues), never early. */
  delayedMessages: 'rounded',
  /** browse() takes messages with basic.get and gives them back: RabbitMQ counts a delivery (x-delivery-count). */
  browseWithoutConsuming: false,
  /** An unroutable message comes back (basic.return) after the batch's routable ones were delivered: RabbitMQ cannot take them back. */
  atomicBatchPublish: false,
  /** publish({ transaction }) throws CapabilityNotSupportedError: use the outbox. */
  transactionalPublish: false,
  /** claim() is basic.get on the broker's pull channel; its deliveries are held until settled. */
  pull: true,
  /** updateQueue() throws QueueOptionsConflictError unless nothing changes: quorum-queue arguments are immutable. */
  queueUpdate: false,
  /** getQueue/listQueues report what this broker declared and bound (AMQP cannot list or read arguments back). */
  topologyIntrospection: false,
  /** Only dead letters: a read is a delivery, and a queue's delivery limit would dead-letter what was read too often. */
  browseStates: ['dead'] as const,
  /** A read takes at most this many messages from the head of a dead-letter queue (and gives them back). */
  browseDepth: DEAD_LETTER_BROWSE_DEPTH,
  /** activity() throws CapabilityNotSupportedError: AMQP has no message counters (the management plugin has). */
  activityRates: false,
  /** A paused queue's consumers cancel their subscription (basic.cancel), so RabbitMQ no longer counts them. */
  pausedConsumersCounted: false,
});
