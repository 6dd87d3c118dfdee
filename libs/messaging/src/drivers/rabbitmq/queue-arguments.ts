import type { ResolvedQueueOptions } from '../../topology/queue-options.js';
import { deadLetterExchangeOf, deliverKeyOf, dropKeyOf } from './names.js';

/*
 * The arguments a queue is declared with. RabbitMQ keeps them and compares them on every re-declare, answering a
 * difference with PRECONDITION_FAILED: the queue options the driver needs (lease, backoff, dead-letter queue) ride
 * along as `x-messaging-*` arguments so that a declare with other options is refused, as the PostgreSQL driver
 * refuses it. Quorum queues (replicated, durable, with a delivery count); dead letters go through the broker's
 * dead-letter exchange at least once (which needs `reject-publish` overflow). `x-delivery-limit` is a backstop for
 * a crash loop (a message whose handler kills the process never gets nacked); ordinary retries are republished
 * copies and counted by the driver. A queue without a dead-letter queue gets no delivery limit: RabbitMQ would drop
 * its messages (a dead-letter queue browsed a few times would lose them).
 */
export function queueArguments(name: string, options: ResolvedQueueOptions, exchange: string): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-dead-letter-exchange': deadLetterExchangeOf(exchange),
    'x-dead-letter-routing-key': options.deadLetterQueue === null ? dropKeyOf(name) : deliverKeyOf(options.deadLetterQueue),
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
    ...(options.deadLetterQueue === null ? {} : { 'x-delivery-limit': options.maxAttempts }),
    'x-messaging-lease-ms': options.leaseMs,
    'x-messaging-max-attempts': options.maxAttempts,
    'x-messaging-retry-base-ms': options.retryBaseMs,
    'x-messaging-retry-max-ms': options.retryMaxMs,
    // A string: amqplib sends 0.2 as a double and 0 or 1 as an integer, which RabbitMQ would see as different types.
    'x-messaging-retry-jitter': String(options.retryJitter),
    'x-messaging-dead-letter-queue': options.deadLetterQueue ?? '',
  };
}

/** How long an unused delay queue lives past its delay: re-declared before each use when older than a fifth of it. */
export const DELAY_QUEUE_SLACK_MS = 5 * 60 * 1000;

/**
 * A delay queue: every message waits `ms` (x-message-ttl; all share one TTL, so they expire in order at its head),
 * then RabbitMQ dead-letters it to `deadLetterExchange` (the default exchange with the origin queue as key, or the
 * main exchange keeping the message's routing key). Quorum, at least once. x-expires removes it once unused.
 */
export function delayQueueArguments(ms: number, deadLetterExchange: string, deadLetterRoutingKey: string | null): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-message-ttl': ms,
    'x-dead-letter-exchange': deadLetterExchange,
    ...(deadLetterRoutingKey === null ? {} : { 'x-dead-letter-routing-key': deadLetterRoutingKey }),
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
    'x-expires': ms + DELAY_QUEUE_SLACK_MS,
  };
}
