import type { PgContext } from './pg.context.js';

/** The transport id of the PostgreSQL transport (`transportId` of PgServer, usable in `@EventPattern(p, PG_TRANSPORT)`). */
export const PG_TRANSPORT: unique symbol = Symbol('pg-messaging');

export type PgTransportStatus = 'connecting' | 'connected' | 'disconnected';

/** What `PgServer.on('dead-lettered', ...)` reports. */
export interface DeadLetteredEvent {
  messageId: string;
  queue: string;
  reason: 'rejected' | 'delivery_limit';
  error: unknown;
}

/** Events the server emits through `on()`. */
export type PgServerEvents = {
  /** A handler failed (every failed attempt, with its real error), or the server failed to start. */
  error: (error: unknown, context?: PgContext) => void;
  /** A handler's message went to its dead-letter queue (or was dropped, when the queue has none). */
  'dead-lettered': (event: DeadLetteredEvent) => void;
};

/** Events the client emits through `on()`. */
export type PgClientEvents = {
  /** Connecting failed, or an event could not be published (unroutable, invalid, database down). */
  error: (error: unknown) => void;
};

/** Header names of the request-reply protocol. */
export const REPLY_TO_HEADER = 'reply-to';
export const CORRELATION_ID_HEADER = 'correlation-id';

/** The queue a `@MessagePattern(pattern)` request goes to; every server handling the pattern shares it. */
export function requestQueueName(pattern: string): string {
  return `rpc.${pattern}`;
}
