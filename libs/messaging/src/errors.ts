/** Base class of every error the messaging library throws on purpose; `code` is stable, the message is for humans. */
export abstract class MessagingError extends Error {
  abstract readonly code: string;
  constructor(message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
  }
}

/** A queue name, routing key, binding pattern, schema name, message id or header is not acceptable. */
export class InvalidNameError extends MessagingError {
  readonly code = 'INVALID_NAME';
}

/** An option or argument has a value outside its documented range. */
export class InvalidArgumentError extends MessagingError {
  readonly code = 'INVALID_ARGUMENT';
}

/**
 * The payload (or the headers) cannot be turned into JSON as it is: a BigInt, a cycle, `undefined`, a function; or it
 * holds a key that poisons prototypes (`__proto__`, `constructor.prototype`).
 */
export class PayloadNotSerializableError extends MessagingError {
  readonly code = 'PAYLOAD_NOT_SERIALIZABLE';
}

/** The serialised payload is larger than `maxPayloadBytes`. */
export class PayloadTooLargeError extends MessagingError {
  readonly code = 'PAYLOAD_TOO_LARGE';
}

/** A publish matched no binding. Nothing of that publish call was stored (mandatory: 'error'). */
export class UnroutableMessageError extends MessagingError {
  readonly code = 'UNROUTABLE';
  constructor(readonly routingKeys: string[], readonly messageIds: string[]) {
    super(`No queue is bound to routing key(s) ${routingKeys.map((k) => JSON.stringify(k)).join(', ')}; nothing was published`, {
      routingKeys,
      messageIds,
    });
  }
}

/** The queue does not exist (declare it first). */
export class QueueNotFoundError extends MessagingError {
  readonly code = 'QUEUE_NOT_FOUND';
  constructor(readonly queue: string) {
    super(`Queue ${JSON.stringify(queue)} does not exist`, { queue });
  }
}

/** A queue was re-declared with options that differ from the stored ones (RabbitMQ's PRECONDITION_FAILED). */
export class QueueOptionsConflictError extends MessagingError {
  readonly code = 'QUEUE_OPTIONS_CONFLICT';
}

/** The queue cannot be deleted: another queue dead-letters into it, or it is not empty and `ifEmpty` was asked. */
export class QueueInUseError extends MessagingError {
  readonly code = 'QUEUE_IN_USE';
}

/**
 * The caller's lease on a message is gone: the lease expired and another consumer claimed the message (its lease
 * token changed), or the message was already settled. Nothing was changed.
 */
export class LeaseLostError extends MessagingError {
  readonly code = 'LEASE_LOST';
  constructor(readonly messageId: string, readonly operation: 'ack' | 'nack' | 'extend' | 'release') {
    super(`Cannot ${operation} message ${messageId}: the lease is no longer held by this consumer`, { messageId, operation });
  }
}

/** The broker or consumer was already closed. */
export class BrokerClosedError extends MessagingError {
  readonly code = 'BROKER_CLOSED';
}

/**
 * Thrown by a handler to dead-letter its message now (reason `rejected`), whatever attempts are left: for failures
 * a retry cannot fix (RabbitMQ's `basic.reject` with `requeue: false`). Pass the original error as `cause`.
 */
export class RejectMessageError extends MessagingError {
  readonly code = 'MESSAGE_REJECTED';
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(reason, {});
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/** When a retry may run: after `delayMs` from now, or at `deliverAt` (one of the two). */
export interface RetryAfter {
  delayMs?: number;
  deliverAt?: Date;
}

/**
 * Thrown by a handler to retry its message after a given delay or at a given time instead of the queue's backoff
 * (SQS's ChangeMessageVisibility). It uses an attempt: on the last one the message is dead-lettered as usual.
 */
export class RetryMessageError extends MessagingError {
  readonly code = 'MESSAGE_RETRY';
  constructor(reason: string, readonly retryAfter: RetryAfter, options: { cause?: unknown } = {}) {
    super(reason, { ...retryAfter });
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/** No reply to a request came within the client's `requestTimeoutMs`. */
export class RequestTimeoutError extends MessagingError {
  readonly code = 'REQUEST_TIMEOUT';
}

/** No server has ever handled this request pattern (its request queue does not exist). */
export class NoRequestHandlerError extends MessagingError {
  readonly code = 'NO_REQUEST_HANDLER';
}

/** The operation needs a capability this engine lacks (see `broker.capabilities`): nothing was done. */
export class CapabilityNotSupportedError extends MessagingError {
  readonly code = 'CAPABILITY_NOT_SUPPORTED';
  constructor(readonly capability: string, why: string) {
    super(`${capability} is not supported by this broker: ${why}`, { capability });
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
