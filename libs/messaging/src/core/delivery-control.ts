import type { Delivery } from '../message.js';
import type { NackOptions, NackOutcome } from '../driver/broker-types.js';

/**
 * What a handler can do besides returning (ack) or throwing: an error retries with the queue's backoff, then
 * dead-letters; a RejectMessageError dead-letters now; a RetryMessageError retries after its delay.
 */
export interface DeliveryControl {
  /** Extends the lease to now + ms (default: the lease the message was claimed with). */
  extendLease(ms?: number): Promise<Date>;
  /** Settles the message as failed now, with these options, instead of the default outcome. */
  nack(options?: NackOptions): Promise<NackOutcome>;
  /** Aborted when the consumer stops and the grace period is over: the message is about to be released. */
  readonly signal: AbortSignal;
}

export type MessageHandler<T = unknown> = (delivery: Delivery<T>, control: DeliveryControl) => unknown;
