// The request-reply protocol of the transport: a request goes to its pattern's request queue with the caller's
// reply address and a correlation id; the reply comes back to that address with the same id.

/** Header names of the request-reply protocol. */
export const REPLY_TO_HEADER = 'reply-to';
export const CORRELATION_ID_HEADER = 'correlation-id';

/** The queue a `@MessagePattern(pattern)` request goes to; every server handling the pattern shares it. */
export function requestQueueName(pattern: string): string {
  return `rpc.${pattern}`;
}
