import { RejectMessageError, RetryMessageError } from '../errors.js';
import { deliveryTime } from './delivery-time.js';
import type { BrokerLogger } from './logger.js';
import type { Delivery } from '../message.js';
import { isError } from './error-text.js';
import type { NackOptions, NackOutcome } from '../driver/broker-types.js';
import { MAX_NACK_DELAY_MS } from '../limits.js';
import { redactPii } from '../privacy/pii-redaction.js';

/** Longest error text in a failure's log line; the whole error goes to the debug level and the death history. */
const MAX_LOGGED_ERROR = 500;

/**
 * How a handler's error settles its message: a RejectMessageError dead-letters it now, a RetryMessageError retries
 * it after its delay (a RetryMessageError with a bad delay is an ordinary failure, with that problem as its error),
 * anything else retries with the queue's backoff.
 */
export function nackOptionsFor(error: unknown): NackOptions {
  if (error instanceof RejectMessageError) return { reject: true, error };
  if (error instanceof RetryMessageError) {
    try {
      deliveryTime(error.retryAfter, {}, MAX_NACK_DELAY_MS);
      const { delayMs, deliverAt } = error.retryAfter; // only these: nack refuses fields it does not know
      return { delayMs, deliverAt, error };
    } catch (invalid) {
      return { error: invalid };
    }
  }
  return { error };
}

/** An error on one line: `Name: message`, or JSON for other values, shortened, without personal data. */
export function errorLine(error: unknown): string {
  let text: string;
  if (isError(error)) text = `${error.name}: ${error.message}`;
  else if (typeof error === 'string') text = error;
  else {
    try {
      text = JSON.stringify(error) ?? String(error);
    } catch {
      text = String(error);
    }
  }
  text = redactPii(text).replace(/\s*\n\s*/g, ' ');
  return text.length > MAX_LOGGED_ERROR ? `${text.slice(0, MAX_LOGGED_ERROR)}…` : text;
}

const OUTCOME_TEXT: Record<NackOutcome, string> = { retried: 'will retry', dead_lettered: 'dead-lettered', dropped: 'dropped (no dead-letter queue)' };

/** One line per failed attempt (message id, queue, attempt, error, what happens next); the full error at debug level. */
export function logFailure(logger: BrokerLogger, delivery: Delivery, options: NackOptions, outcome: NackOutcome): void {
  const why = options.reject ? ' (rejected)' : '';
  const when = outcome === 'retried' && options.deliverAt ? ` at ${options.deliverAt.toISOString()}` : outcome === 'retried' && options.delayMs !== undefined ? ` in ${options.delayMs} ms` : '';
  logger.warn(
    `Message ${delivery.messageId} on ${delivery.queue} failed on attempt ${delivery.attempt}: ${errorLine(options.error)}; ${OUTCOME_TEXT[outcome]}${why}${when}`,
  );
  logger.debug?.(`Message ${delivery.messageId} on ${delivery.queue}, attempt ${delivery.attempt}: the full error`, options.error);
}
