import { BaseRpcContext } from '@nestjs/microservices';
import type { DeliveryControl } from '../broker/consumer.js';
import type { Delivery } from '../broker/message.js';

type PgContextArgs = [delivery: Delivery, control: DeliveryControl, queue: string];

/** What a handler gets with `@Ctx()`: the message's metadata, and lease control. */
export class PgContext extends BaseRpcContext<PgContextArgs> {
  /** The error the handler raised, kept by MessagingExceptionFilter before Nest turns it into a generic one. */
  failure: unknown;

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
  getRoutingKey(): string {
    return this.args[0].routingKey;
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
  /** Aborted when the server shuts down and the grace period is over. */
  getAbortSignal(): AbortSignal {
    return this.args[1].signal;
  }
}
