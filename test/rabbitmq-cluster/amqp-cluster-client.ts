// The cluster failover test's client on amqplib directly: a publisher with confirms and a consumer with manual
// acks, each on a connection of its own that moves to the next node URL when it closes (failover-link.ts).
import amqp, { type Channel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { ClusterClient, ClusterClientOptions } from './cluster-client.js';
import { FailoverLink } from './failover-link.js';

export interface AmqpClusterClientOptions extends ClusterClientOptions {
  /** A confirm not back in this time fails the publish (its outcome unknown). */
  confirmTimeoutMs?: number;
  /** Unacked deliveries the consumer holds at once. */
  prefetch?: number;
}

export const AMQP_CLUSTER_CLIENT_DEFAULTS = { confirmTimeoutMs: 10_000, prefetch: 50 } satisfies Partial<AmqpClusterClientOptions>;

export function amqpClusterClient(options: AmqpClusterClientOptions): ClusterClient {
  const { urls, queue, confirmTimeoutMs, prefetch } = { ...AMQP_CLUSTER_CLIENT_DEFAULTS, ...options };
  const publisher = new FailoverLink<ConfirmChannel>(urls, (model) => model.createConfirmChannel());
  let consumer: FailoverLink<Channel> | undefined;

  const confirmOnce = (channel: ConfirmChannel, id: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`No confirm for ${id} within ${confirmTimeoutMs} ms`)), confirmTimeoutMs);
      channel.sendToQueue(queue, Buffer.from(id), { persistent: true, messageId: id }, (error) => {
        clearTimeout(timer);
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve();
      });
    });

  return {
    async declareQueue() {
      const model = await amqp.connect(urls[0]!);
      try {
        const channel = await model.createChannel();
        await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      } finally {
        await model.close();
      }
    },
    async publish(id) {
      const channel = await publisher.channel();
      try {
        await confirmOnce(channel, id);
      } catch (error) {
        // The next publish goes through a new channel on the next node, not this one: on RabbitMQ 3.10 a channel
        // opened on a surviving node right after the leader died had every publish to the queue nacked for as long
        // as we watched (25 s), while a channel opened a few seconds later confirmed at once.
        await publisher.abandon(channel);
        throw error;
      }
    },
    async consume(onMessage) {
      consumer = new FailoverLink<Channel>(urls, async (model) => {
        const channel = await model.createChannel();
        await channel.prefetch(prefetch);
        await channel.consume(queue, (message: ConsumeMessage | null) => {
          // null: the server cancelled the consumer; the next connection consumes again.
          if (!message) return void model.close().catch(() => undefined);
          onMessage({ id: message.content.toString(), redelivered: message.fields.redelivered });
          try {
            channel.ack(message);
          } catch {
            // The channel closed under the ack: the message comes again (a counted duplicate).
          }
        });
        return channel;
      });
      await consumer.channel();
    },
    connections: {
      get publisher() {
        return publisher.urls;
      },
      get consumer() {
        return consumer?.urls ?? [];
      },
    },
    async close() {
      await Promise.all([publisher.close(), consumer?.close()]);
    },
  };
}
