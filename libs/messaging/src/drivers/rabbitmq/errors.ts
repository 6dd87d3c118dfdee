import { MessagingError } from '../../errors.js';

/*
 * Typed errors only the RabbitMQ driver throws. CapabilityNotSupportedError belongs in src/errors.ts once the other
 * drivers use it (the MessageBroker interface already names it); it lives here until then.
 */

/** The operation needs a capability this engine lacks (see `broker.capabilities`): nothing was done. */
export class CapabilityNotSupportedError extends MessagingError {
  readonly code = 'CAPABILITY_NOT_SUPPORTED';
  constructor(readonly capability: string, why: string) {
    super(`${capability} is not supported by the RabbitMQ driver: ${why}`, { capability });
  }
}

/**
 * RabbitMQ did not confirm a publish: it nacked it, or the channel or connection closed first. The messages listed
 * may or may not have been stored; publish again (with the same message ids) to be sure.
 */
export class PublishNotConfirmedError extends MessagingError {
  readonly code = 'PUBLISH_NOT_CONFIRMED';
  constructor(readonly messageIds: string[], reason: string) {
    super(`RabbitMQ did not confirm ${messageIds.length} message(s) (${reason}); they may or may not have been stored`, { messageIds });
  }
}

/** No connection to RabbitMQ came up within the wait (the driver keeps reconnecting in the background). */
export class BrokerUnavailableError extends MessagingError {
  readonly code = 'BROKER_UNAVAILABLE';
}
