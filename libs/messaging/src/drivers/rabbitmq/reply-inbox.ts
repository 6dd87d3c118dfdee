import { randomUUID } from 'node:crypto';
import type { ReplyInbox } from '../../driver/message-broker.js';
import type { BrokerLogger } from '../../core/logger.js';
import type { Delivery } from '../../message.js';
import { ConfirmPublisher } from './confirm-channel.js';
import type { ConnectionManager } from './connection.js';
import { toDelivery } from './message-codec.js';
import { DIRECT_REPLY_TO, REPLY_INBOX_PREFIX } from './names.js';

/**
 * Reply inboxes on RabbitMQ's direct reply-to: no queue per client. Direct reply-to needs the request to be
 * published on the channel that consumes `amq.rabbitmq.reply-to`, so each inbox owns a confirm channel with that
 * (no-ack) consumer, and its address is a token (`rabbitmq-reply-inbox:<uuid>`): publish() and publishToQueue()
 * send a message whose `reply-to` header holds it on that inbox's channel, with the AMQP reply-to property, which
 * RabbitMQ rewrites into the consumer's address. The responder sees that address in `reply-to` and replies with
 * publishToQueue(address, ...). Replies are not persisted and die with the channel (a reconnect loses the replies
 * in flight; the requester times out), as with any direct reply-to client.
 */
export class ReplyInboxes {
  private readonly inboxes = new Map<string, ConfirmPublisher>();
  private serial = 0;

  constructor(
    private readonly connection: ConnectionManager,
    private readonly logger: BrokerLogger,
  ) {}

  channelOf(address: string): ConfirmPublisher | undefined {
    return this.inboxes.get(address);
  }

  async open(onReply: (reply: Delivery) => void | Promise<void>): Promise<ReplyInbox> {
    const address = `${REPLY_INBOX_PREFIX}${randomUUID()}`;
    const publisher = new ConfirmPublisher(this.connection, async (tracked) => {
      await tracked.channel.consume(
        DIRECT_REPLY_TO,
        (message) => {
          if (message === null) return;
          let reply: Delivery;
          try {
            reply = toDelivery(message, address, `reply.${++this.serial}`, '');
          } catch (error) {
            this.logger.warn('A reply that is not JSON was dropped', error);
            return;
          }
          Promise.resolve()
            .then(() => onReply(reply))
            .catch((error: unknown) => this.logger.warn(`Reply handler failed for ${reply.messageId}`, error));
        },
        { noAck: true },
      );
    });
    await publisher.channel();
    this.inboxes.set(address, publisher);
    return {
      address,
      close: async () => {
        this.inboxes.delete(address);
        await publisher.close();
      },
    };
  }

  async closeAll(): Promise<void> {
    const all = [...this.inboxes.values()];
    this.inboxes.clear();
    await Promise.all(all.map((p) => p.close()));
  }
}
