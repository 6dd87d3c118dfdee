// The types of the driver interface: what callers pass and get back, whichever engine is behind it.
import type { Transaction } from '../postgres/sql-executor.js';
import type { ResolvedQueueOptions } from '../topology/queue-options.js';
import type { DeadLetterFilter } from './admin-types.js';
export interface ClaimOptions {
  /** Most messages to claim. Default 1, max 5,000. */
  limit?: number;
  /** Lease in ms instead of the queue's leaseMs. */
  leaseMs?: number;
}

/** Options of one consumer (one process's share of a queue). */
export interface ConsumerOptions {
  /** Handlers running at once. Default 10. */
  concurrency?: number;
  /**
   * Messages claimed ahead of a free handler slot (their lease is already running; one that has less than a second
   * of lease left when a slot frees is given back). Default: 4 × concurrency. Raise it for fast handlers (the
   * benchmark uses 500), lower it for slow ones.
   */
  prefetch?: number;
  /** Most messages one claim asks for. Default 500. */
  maxClaimBatch?: number;
  /** Poll this often while idle, in ms, as a backstop to LISTEN/NOTIFY (or alone in poll-only mode). Default 1,000. */
  pollIntervalMs?: number;
  /** Wake up on LISTEN/NOTIFY. `false` is poll-only mode. Default true (false on a broker with `pgbouncer: true`). */
  listen?: boolean;
  /** On stop, how long running handlers may take to finish before their messages are released, in ms. Default 10,000. */
  shutdownGraceMs?: number;
  /** Lease per claim in ms, instead of the queue's leaseMs. */
  leaseMs?: number;
  /** `messaging.consumer.group.name` on this consumer's spans. Default: the queue name. */
  consumerGroup?: string;
}

/** What became of one handled message: acked, failed (nacked: retried or dead-lettered), or released on stop. */
export interface HandledMessage {
  queue: string;
  outcome: 'acked' | 'failed' | 'released';
  /** How long the handler ran, in ms. */
  durationMs: number;
}

export interface NackOptions {
  /** Retry after this many ms instead of the queue's backoff; 0 retries now. At most 12 hours. */
  delayMs?: number;
  /** Or retry at this time (at most 12 hours ahead; a past time retries now). Not together with delayMs. */
  deliverAt?: Date;
  /** Dead-letter now (reason 'rejected'), whatever attempts are left. */
  reject?: boolean;
  /** The error to record with the message (its text is kept, truncated to 4,096 characters). */
  error?: unknown;
}

export type NackOutcome = 'retried' | 'dead_lettered' | 'dropped';

export interface SettleResult {
  /** Ids of the deliveries settled. */
  settled: string[];
  /** Ids of the deliveries whose lease was lost: nothing was done to them. */
  lost: string[];
}

export interface PublishOptions {
  /** Publish inside this transaction (a `pg` client after BEGIN, a TypeORM EntityManager or QueryRunner). */
  transaction?: Transaction;
  /**
   * What an unroutable message (no binding matches) does. 'error' (default): throw UnroutableMessageError and store
   * nothing of this call. 'report': store the routable messages and list the others in the result.
   */
  mandatory?: 'error' | 'report';
  /**
   * Drop a message whose id was already accepted within this many ms (SQS's deduplication id): it is reported in
   * `duplicates`, not stored again. The outbox relay uses it so a resend after a crash is delivered once.
   */
  deduplicationWindowMs?: number;
}

export interface PublishResult {
  /** The ids of the messages, in the order given. */
  messageIds: string[];
  /** Copies stored, over all queues. */
  copies: number;
  /** Ids of the messages no binding matched (only with mandatory: 'report'). */
  unroutable: string[];
  /** Ids of the messages dropped as duplicates (only with deduplicationWindowMs). */
  duplicates: string[];
}

export interface QueueStats {
  /** Visible now and not leased. */
  ready: number;
  /** Waiting for their delay or retry backoff. */
  delayed: number;
  /** Held by a consumer under a live lease. */
  leased: number;
  /** Lease ran out; claimable again. */
  leaseExpired: number;
}

export interface QueueDepth {
  queue: string;
  ready: number;
  delayed: number;
  leased: number;
  /** Age of the oldest waiting message, in seconds. */
  oldestAgeSeconds: number;
}

export interface RedriveOptions {
  /** Send every dead letter here instead of back to the queue it died in. */
  to?: string;
  /** Most dead letters to move. Default all. */
  limit?: number;
  /** Pace the moves (in batches of up to 100). Default as fast as the database goes. */
  ratePerSecond?: number;
  /** Only the dead letters with these message ids (at most 10,000). */
  messageIds?: string[];
  /** Only the dead letters that match every field given. */
  filter?: DeadLetterFilter;
}

export interface QueueInfo {
  name: string;
  options: ResolvedQueueOptions;
  bindings: string[];
  createdAt: Date;
}

/** A running consumer: one process's share of a queue. */
export interface MessageConsumer {
  readonly queue: string;
  /** Handlers running now. */
  readonly inFlight: number;
  /** Stops taking messages, lets running handlers finish within the grace period, gives the rest back. */
  stop(): Promise<void>;
}

export type { DeliveryControl, MessageHandler } from '../core/delivery-control.js';
