import type { Delivery } from '../../message.js';
import type { ResolvedQueueOptions } from '../../topology/queue-options.js';
import { queueError } from './amqp-errors.js';
import type { ConnectionManager, TrackedChannel } from './connection.js';
import type { HeldDeliveries } from './held-deliveries.js';
import type { Settler } from './settler.js';

/**
 * claim(): basic.get on a channel this broker keeps for pulls, so the deliveries stay held (unacked) on it until
 * settled. A 404 closes that channel; the next claim opens another.
 */
export class PullChannel {
  private tracked: TrackedChannel | null = null;

  constructor(
    private readonly connection: ConnectionManager,
    private readonly held: HeldDeliveries,
    private readonly settler: Settler,
    private readonly optionsOf: (queue: string) => Promise<ResolvedQueueOptions>,
  ) {}

  async claim<T>(queue: string, limit: number): Promise<Delivery<T>[]> {
    if (!this.tracked?.open) this.tracked = await this.connection.openChannel();
    const tracked = this.tracked;
    const options = await this.optionsOf(queue);
    const claimed: Delivery<T>[] = [];
    try {
      while (claimed.length < limit) {
        const message = await tracked.channel.get(queue, { noAck: false });
        if (message === false) break;
        const held = this.held.add<T>(message, queue, tracked);
        if (held.delivery.attempt > options.maxAttempts) {
          held.settling = true;
          await this.settler.deadLetter(held, 'delivery_limit', held.delivery.lastError ?? 'the consumer stopped during its last attempt', options);
          continue;
        }
        claimed.push(held.delivery as Delivery<T>);
      }
    } catch (error) {
      throw queueError(error, queue);
    }
    return claimed;
  }

  async close(): Promise<void> {
    await this.tracked?.close();
    this.tracked = null;
  }
}
