import type { QueueDepth, QueueStats } from '../../driver/broker-types.js';
import type { Delivery } from '../../message.js';
import { assertQueueName } from '../../validation/names.js';
import { assertIntegerInRange } from '../../validation/numbers.js';
import { amqpCode } from './amqp-errors.js';
import type { ConnectionManager } from './connection.js';
import type { DelayQueues } from './delay-queues.js';
import type { HeldDeliveries } from './held-deliveries.js';
import { toDelivery } from './message-codec.js';
import type { Topology } from './topology.js';

/**
 * Counts, browse and purge over AMQP alone. `ready` is RabbitMQ's message count (a passive declare), `leased` what
 * this process holds, `delayed` what waits in the delay queues this broker used for the queue; the age of the
 * oldest message is not known without reading it (0). browse reads with basic.get and gives the messages back by
 * closing its channel: RabbitMQ counts that as a delivery (capability browseWithoutConsuming false).
 */
export class Inspection {
  constructor(
    private readonly connection: ConnectionManager,
    private readonly topology: Topology,
    private readonly delays: DelayQueues,
    private readonly held: HeldDeliveries,
  ) {}

  async queueStats(queue: string): Promise<QueueStats> {
    assertQueueName(queue);
    const { messageCount } = await this.topology.assertExists(queue);
    return { ready: messageCount, delayed: await this.delayed(queue), leased: this.held.countFor(queue), leaseExpired: 0 };
  }

  async queueDepths(): Promise<QueueDepth[]> {
    const depths: QueueDepth[] = [];
    for (const queue of (await this.topology.listQueues()).map((q) => q.name)) {
      const stats = await this.queueStats(queue).catch(() => null);
      if (stats) depths.push({ queue, ready: stats.ready, delayed: stats.delayed, leased: stats.leased, oldestAgeSeconds: 0 });
    }
    return depths;
  }

  async browse<T>(queue: string, options: { limit?: number } = {}): Promise<Delivery<T>[]> {
    assertQueueName(queue);
    const limit = assertIntegerInRange('limit', options.limit ?? 100, 1, 10_000);
    await this.topology.assertExists(queue);
    return this.connection.withChannel(async (channel) => {
      const found: Delivery<T>[] = [];
      for (let i = 0; i < limit; i++) {
        const message = await channel.get(queue, { noAck: false });
        if (message === false) break;
        found.push(toDelivery<T>(message, queue, `browse.${i + 1}`, ''));
      }
      return found; // closing the channel gives them all back
    });
  }

  async purge(queue: string): Promise<number> {
    assertQueueName(queue);
    await this.topology.assertExists(queue);
    const { messageCount } = await this.connection.withChannel((channel) => channel.purgeQueue(queue));
    return messageCount;
  }

  private async delayed(queue: string): Promise<number> {
    let total = 0;
    for (const name of this.delays.delayQueuesOf(queue)) {
      try {
        total += (await this.connection.withChannel((channel) => channel.checkQueue(name))).messageCount;
      } catch (error) {
        if (amqpCode(error) !== 404) throw error; // expired: nothing waits there
      }
    }
    return total;
  }
}
