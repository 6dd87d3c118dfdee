/** The transport id of the PostgreSQL transport (`transportId` of PgServer, usable in `@EventPattern(p, PG_TRANSPORT)`). */
export const PG_TRANSPORT: unique symbol = Symbol('pg-messaging');

export type PgTransportStatus = 'connecting' | 'connected' | 'disconnected';

/** Events the server and client emit through `on()`. */
export type PgTransportEvents = {
  error: (error: unknown) => void;
};

/** Header names of the request-reply protocol. */
export const REPLY_TO_HEADER = 'reply-to';
export const CORRELATION_ID_HEADER = 'correlation-id';

/** The queue a `@MessagePattern(pattern)` request goes to; every server handling the pattern shares it. */
export function requestQueueName(pattern: string): string {
  return `rpc.${pattern}`;
}
