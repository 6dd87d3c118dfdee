import { BaseRpcContext } from '@nestjs/microservices';
import type { DeliveryControl, NackOutcome } from '../driver/broker-types.js';
import type { Delivery } from '../message.js';
import { RejectMessageError, RetryMessageError, type RetryAfter } from '../errors.js';

type MessagingContextArgs = [delivery: Delivery, control: DeliveryControl, queue: string, pattern: string];

/** What a handler gets with `@Ctx()`: the message's metadata, lease control, and settling by hand. */
export class MessagingContext extends BaseRpcContext<MessagingContextArgs> {
  #failure: { error: unknown } | undefined;

  /**
   * Keeps the error the handler raised, before Nest's exception handling replaces it with a generic one:
   * MessagingExceptionFilter calls it, and the server then records, retries and reports that error. Once per
   * message; a later call replaces the error.
   */
  recordFailure(error: unknown): void {
    this.#failure = { error };
  }
  /** The error recordFailure kept, or undefined when none was recorded (the filter is not registered). */
  getRecordedFailure(): { error: unknown } | undefined {
    return this.#failure;
  }

  getMessage(): Delivery {
    return this.args[0];
  }
  getMessageId(): string {
    return this.args[0].messageId;
  }
  /** 1 on the first delivery; counted at claim time, so a crashed attempt counts. */
  getAttempt(): number {
    return this.args[0].attempt;
  }
  /** The message's own routing key (what the producer published). */
  getRoutingKey(): string {
    return this.args[0].routingKey;
  }
  /** The handler's pattern (`order.*`), as Nest's contexts give it; for a request, the request pattern. */
  getPattern(): string {
    return this.args[3];
  }
  getHeaders(): Record<string, string> {
    return this.args[0].headers;
  }
  getPublishedAt(): Date {
    return this.args[0].publishedAt;
  }
  /** The queue this handler consumes. */
  getQueue(): string {
    return this.args[2];
  }
  /** Extends this message's lease to now + ms (default: the lease it was claimed with). */
  extendLease(ms?: number): Promise<Date> {
    return this.args[1].extendLease(ms);
  }
  /**
   * Aborted when the server closes and the handler is still running after `shutdownGraceMs`: its message is being
   * released for another consumer, so stop now (pass the signal to fetch, or check it between steps).
   */
  getAbortSignal(): AbortSignal {
    return this.args[1].signal;
  }
  /** Dead-letters the message now (reason `rejected`), as throwing a RejectMessageError does. */
  reject(reason: string, cause?: unknown): Promise<NackOutcome> {
    return this.args[1].nack({ reject: true, error: new RejectMessageError(reason, { cause }) });
  }
  /** Retries the message after `delayMs` or at `deliverAt`, as throwing a RetryMessageError does (uses an attempt). */
  retry(after: RetryAfter, reason = 'retry requested'): Promise<NackOutcome> {
    return this.args[1].nack({ ...after, error: new RetryMessageError(reason, after) });
  }
}
