import type { GetMessage } from 'amqplib';
import type { DeadLetterEvent } from '../../driver/dead-letter-event.js';
import { assertIntegerInRange } from '../../validation/numbers.js';
import type { ConnectionManager } from './connection.js';
import { deathsOf, LAST_ERROR_HEADER, routingKeyOf } from './message-codec.js';
import { deadLetterQueueOfKey } from './names.js';

/**
 * Dead-letter events are the copies of dead letters in `<exchange>.dead-letter-events` (bound `#` on the
 * dead-letter exchange, so RabbitMQ's own dead-lettering lands there too). A taker basic.gets a batch on a channel
 * of its own, runs the work, and acks them only if it succeeded (else they go back, requeued): each event goes to
 * one taker, and a crash repeats it rather than losing it.
 */
export async function takeDeadLetterEvents(
  connection: ConnectionManager,
  eventsQueue: string,
  limit: number,
  work: (events: DeadLetterEvent[]) => Promise<void>,
): Promise<number> {
  assertIntegerInRange('limit', limit, 1, 10_000);
  const tracked = await connection.openChannel();
  try {
    const messages: GetMessage[] = [];
    while (messages.length < limit) {
      const message = await tracked.channel.get(eventsQueue, { noAck: false });
      if (message === false) break;
      messages.push(message);
    }
    if (messages.length === 0) return 0;
    try {
      await work(messages.map(toEvent));
    } catch (error) {
      for (const message of messages) tracked.channel.nack(message, false, true);
      throw error;
    }
    for (const message of messages) tracked.channel.ack(message);
    return messages.length;
  } finally {
    await tracked.close();
  }
}

function toEvent(message: GetMessage): DeadLetterEvent {
  const [death] = deathsOf(message);
  const error = message.properties.headers?.[LAST_ERROR_HEADER];
  return {
    queue: death?.queue ?? '',
    deadLetterQueue: deadLetterQueueOfKey(message.fields.routingKey),
    messageId: message.properties.messageId ?? `amqp-${message.fields.deliveryTag}`,
    routingKey: routingKeyOf(message),
    reason: death?.reason ?? 'rejected',
    error: typeof error === 'string' ? error : null,
    occurredAt: death ? new Date(death.lastTime) : new Date(),
  };
}
