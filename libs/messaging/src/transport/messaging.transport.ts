import type { MessagingContext } from './messaging.context.js';

/**
 * The transport id of the messaging transport (`transportId` of MessagingServer, usable in
 * `@EventPattern(p, MESSAGING_TRANSPORT)`), whichever broker engine is behind it.
 */
export const MESSAGING_TRANSPORT: unique symbol = Symbol('messaging');

export type MessagingTransportStatus = 'connecting' | 'connected' | 'disconnected';

/** What `MessagingServer.on('dead-lettered', ...)` reports. */
export interface DeadLetteredEvent {
  messageId: string;
  queue: string;
  reason: 'rejected' | 'delivery_limit';
  error: unknown;
}

/** Events the server emits through `on()`. */
export type MessagingServerEvents = {
  /** A handler failed (every failed attempt, with its real error), or the server failed to start. */
  error: (error: unknown, context?: MessagingContext) => void;
  /** A handler's message went to its dead-letter queue (or was dropped, when the queue has none). */
  'dead-lettered': (event: DeadLetteredEvent) => void;
};

/** Events the client emits through `on()`. */
export type MessagingClientEvents = {
  /** Connecting failed, or an event could not be published (unroutable, invalid, broker down). */
  error: (error: unknown) => void;
};
