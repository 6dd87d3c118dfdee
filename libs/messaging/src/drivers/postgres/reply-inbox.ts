import { randomUUID } from 'node:crypto';
import type { MessageConsumer, MessageHandler, QueueInfo } from '../../driver/broker-types.js';
import type { ReplyInbox } from '../../driver/message-broker.js';
import type { Delivery } from '../../message.js';
import type { QueueOptions } from '../../topology/queue-options.js';

/** A reply queue not renewed for this long (its client crashed) is deleted by the expired-queue sweep. */
export const REPLY_QUEUE_TTL_MS = 5 * 60 * 1000;

/** Replies handled at once: a client's replies are cheap (they resolve a waiting promise). */
const REPLY_CONCURRENCY = 50;

/** What a reply inbox needs of the broker. */
export interface ReplyQueueHost {
  declareQueue(name: string, options?: QueueOptions): Promise<QueueInfo>;
  renewQueue(name: string, ttlMs: number): Promise<void>;
  consume(queue: string, handler: MessageHandler, options?: { concurrency?: number }): Promise<MessageConsumer>;
  deleteQueue(name: string): Promise<number>;
}

/**
 * A client's own reply queue, `reply.<uuid>`: one attempt and no dead-letter queue (a reply nobody awaits is worth
 * nothing), renewed while the client runs and deleted when it closes; after a crash it expires REPLY_QUEUE_TTL_MS
 * later and the broker's housekeeping deletes it.
 */
export async function openReplyQueue(broker: ReplyQueueHost, onReply: (reply: Delivery) => void | Promise<void>): Promise<ReplyInbox> {
  const address = `reply.${randomUUID()}`;
  await broker.declareQueue(address, { deadLetterQueue: null, maxAttempts: 1 });
  await broker.renewQueue(address, REPLY_QUEUE_TTL_MS);
  const renewal = setInterval(() => void broker.renewQueue(address, REPLY_QUEUE_TTL_MS).catch(() => undefined), REPLY_QUEUE_TTL_MS / 3);
  renewal.unref();
  let consumer: MessageConsumer;
  try {
    consumer = await broker.consume(address, (delivery) => onReply(delivery), { concurrency: REPLY_CONCURRENCY });
  } catch (error) {
    clearInterval(renewal);
    await broker.deleteQueue(address).catch(() => undefined);
    throw error;
  }
  let closed: Promise<void> | null = null;
  return {
    address,
    close: () =>
      (closed ??= (async () => {
        clearInterval(renewal);
        await consumer.stop();
        await broker.deleteQueue(address).catch(() => undefined);
      })()),
  };
}
