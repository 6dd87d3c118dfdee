import { QueueNotFoundError, QueueOptionsConflictError } from '../../errors.js';

/** The AMQP reply code of a channel or connection error (404 NOT_FOUND, 406 PRECONDITION_FAILED, ...), if any. */
export function amqpCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** A 404 on `queue` as QueueNotFoundError, a 406 as QueueOptionsConflictError; anything else as it is. */
export function queueError(error: unknown, queue: string, conflict = 'was declared with other arguments'): unknown {
  if (amqpCode(error) === 404) return new QueueNotFoundError(queue);
  if (amqpCode(error) === 406) {
    return new QueueOptionsConflictError(`Queue ${JSON.stringify(queue)} ${conflict} (RabbitMQ: ${(error as Error).message})`, { queue });
  }
  return error;
}
