import { InvalidArgumentError } from '../errors.js';
import type { QueueRowInput } from '../drivers/postgres/statements/broker-statements.js';
import { assertQueueName } from '../validation/names.js';
import { assertIntegerInRange } from '../validation/numbers.js';

/** Options of a queue, stored with it; every consumer of the queue obeys them. */
export interface QueueOptions {
  /** Lease (visibility timeout) a claim takes, in ms. Default 30,000 (SQS's default). Range 1 ms to 12 h. */
  leaseMs?: number;
  /** Deliveries before the message is dead-lettered; the attempt is counted when it is claimed. Default 5. Max 1,000. */
  maxAttempts?: number;
  /** First retry delay after a failure, in ms; doubles each attempt. Default 1,000. */
  retryBaseMs?: number;
  /** Cap on the retry delay, in ms. Default 300,000 (5 min). */
  retryMaxMs?: number;
  /** Random reduction of each retry delay, as a fraction 0-1 of it, so failures do not retry in lockstep. Default 0.2. */
  retryJitter?: number;
  /**
   * Where messages go after their last failed attempt. Default `<name>.dlq`, declared with the queue (its own
   * dead-letter queue is `null`). `null`: exhausted messages are deleted, as RabbitMQ does without a dead-letter exchange.
   */
  deadLetterQueue?: string | null;
}

export type ResolvedQueueOptions = Required<QueueOptions>;

export const QUEUE_DEFAULTS = {
  leaseMs: 30_000,
  maxAttempts: 5,
  retryBaseMs: 1_000,
  retryMaxMs: 300_000,
  retryJitter: 0.2,
} as const;

const TWELVE_HOURS_MS = 12 * 60 * 60 * 1000;

/** The suffix of the dead-letter queue declared by default. */
export const DEAD_LETTER_SUFFIX = '.dlq';

/** Validates the options given and fills in the defaults. */
export function resolveQueueOptions(name: string, options: QueueOptions = {}): ResolvedQueueOptions {
  assertQueueName(name);
  const known = new Set(['leaseMs', 'maxAttempts', 'retryBaseMs', 'retryMaxMs', 'retryJitter', 'deadLetterQueue']);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new InvalidArgumentError(`Unknown queue option ${JSON.stringify(key)}`, { option: key });
  }
  const resolved: ResolvedQueueOptions = {
    ...QUEUE_DEFAULTS,
    deadLetterQueue: `${name}${DEAD_LETTER_SUFFIX}`,
    ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
  };
  assertIntegerInRange('leaseMs', resolved.leaseMs, 1, TWELVE_HOURS_MS);
  assertIntegerInRange('maxAttempts', resolved.maxAttempts, 1, 1000);
  assertIntegerInRange('retryBaseMs', resolved.retryBaseMs, 0, TWELVE_HOURS_MS);
  assertIntegerInRange('retryMaxMs', resolved.retryMaxMs, resolved.retryBaseMs, TWELVE_HOURS_MS);
  if (typeof resolved.retryJitter !== 'number' || !(resolved.retryJitter >= 0 && resolved.retryJitter <= 1)) {
    throw new InvalidArgumentError(`retryJitter must be a number from 0 to 1, got ${String(resolved.retryJitter)}`, { option: 'retryJitter' });
  }
  if (resolved.deadLetterQueue !== null) {
    assertQueueName(resolved.deadLetterQueue, 'dead-letter queue name');
    if (resolved.deadLetterQueue === name) {
      throw new InvalidArgumentError(`Queue ${JSON.stringify(name)} cannot be its own dead-letter queue`, { queue: name });
    }
  }
  return resolved;
}

export function toQueueRow(name: string, options: ResolvedQueueOptions): QueueRowInput {
  return { name, ...options };
}

export interface QueueRow {
  name: string;
  lease_ms: number;
  max_attempts: number;
  retry_base_ms: number;
  retry_max_ms: number;
  retry_jitter: number;
  dead_letter_queue: string | null;
  created_at: Date;
}

export function fromQueueRow(row: QueueRow): ResolvedQueueOptions {
  return {
    leaseMs: row.lease_ms,
    maxAttempts: row.max_attempts,
    retryBaseMs: row.retry_base_ms,
    retryMaxMs: row.retry_max_ms,
    retryJitter: row.retry_jitter,
    deadLetterQueue: row.dead_letter_queue,
  };
}
