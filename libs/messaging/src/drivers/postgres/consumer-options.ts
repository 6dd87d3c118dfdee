import type { ConsumerOptions } from '../../driver/broker-types.js';
import { InvalidArgumentError } from '../../errors.js';
import { MAX_CONSUMER_WAIT_MS, MAX_LEASE_MS } from '../../limits.js';
import { assertIntegerInRange } from '../../validation/numbers.js';
import { HANDLER_DEFAULTS, PREFETCH_PER_HANDLER } from '../../core/handler-defaults.js';
import { CLAIM_SIZES } from './statements/claim.js';

/** The defaults of ConsumerOptions; `prefetch` defaults to PREFETCH_PER_HANDLER × concurrency (at most MAX_PREFETCH). */
export const CONSUMER_DEFAULTS = {
  ...HANDLER_DEFAULTS,
  maxClaimBatch: 500,
  pollIntervalMs: 1_000,
  listen: true,
} as const;

export { PREFETCH_PER_HANDLER };

const MAX_CONCURRENCY = 10_000;
const MAX_PREFETCH = 10_000;
/** The largest claim that has a statement of its own. */
const MAX_CLAIM_BATCH = CLAIM_SIZES[CLAIM_SIZES.length - 1];

/** ConsumerOptions validated, with the defaults filled in (`leaseMs` undefined: the queue's). */
export interface ResolvedConsumerOptions {
  concurrency: number;
  prefetch: number;
  maxClaimBatch: number;
  pollIntervalMs: number;
  listen: boolean;
  shutdownGraceMs: number;
  leaseMs: number | undefined;
  consumerGroup: string;
}

/** Validates a consumer's options (InvalidArgumentError on the first bad one) and fills in the defaults. */
export function resolveConsumerOptions(queue: string, options: ConsumerOptions = {}): ResolvedConsumerOptions {
  const o = { ...CONSUMER_DEFAULTS, ...options };
  const concurrency = assertIntegerInRange('concurrency', o.concurrency, 1, MAX_CONCURRENCY);
  if (typeof o.listen !== 'boolean' && o.listen !== undefined) {
    throw new InvalidArgumentError(`listen must be a boolean, got ${typeof o.listen}`, { option: 'listen' });
  }
  return {
    concurrency,
    prefetch: o.prefetch === undefined ? Math.min(PREFETCH_PER_HANDLER * concurrency, MAX_PREFETCH) : assertIntegerInRange('prefetch', o.prefetch, 0, MAX_PREFETCH),
    maxClaimBatch: assertIntegerInRange('maxClaimBatch', o.maxClaimBatch, 1, MAX_CLAIM_BATCH),
    pollIntervalMs: assertIntegerInRange('pollIntervalMs', o.pollIntervalMs, 1, MAX_CONSUMER_WAIT_MS),
    listen: o.listen !== false,
    shutdownGraceMs: assertIntegerInRange('shutdownGraceMs', o.shutdownGraceMs, 0, MAX_CONSUMER_WAIT_MS),
    leaseMs: o.leaseMs === undefined ? undefined : assertIntegerInRange('leaseMs', o.leaseMs, 1, MAX_LEASE_MS),
    consumerGroup: o.consumerGroup ?? queue,
  };
}
