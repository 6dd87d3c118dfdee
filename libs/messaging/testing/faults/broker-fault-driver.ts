import type { Delivery, MessageBroker } from '../../src/index.js';
import { toPayload, type DeadLetterWatch, type FaultDelivery, type FaultDriver, type FaultDriverCapabilities, type FaultDriverName, type FaultMessage, type FaultPayload, type FaultQueue, type QueueCounts } from './driver.js';
import { isLeaseLost, settled, watchDeadLetters } from './driver-support.js';

/**
 * What both fault drivers do the same way through the library's MessageBroker interface: publishing, settling
 * (a LeaseLostError is a refusal: false), the dead-letter queue's values by browse, the dead-letter alerts.
 */
export abstract class BrokerFaultDriver implements FaultDriver {
  abstract readonly name: FaultDriverName;
  abstract readonly capabilities: FaultDriverCapabilities;
  abstract readonly countsLagMs: number;

  protected constructor(readonly broker: MessageBroker) {}

  abstract setupQueue(queue: FaultQueue): Promise<void>;
  abstract claim(queue: string, options: { limit: number; leaseMs?: number }): Promise<FaultDelivery[]>;
  abstract extend(delivery: FaultDelivery, ms: number): Promise<boolean>;
  abstract counts(queue: string): Promise<QueueCounts>;
  /** The queue's dead-letter queue, or null for none. */
  protected abstract deadLetterQueue(queue: string): Promise<string | null>;

  /** The payload a message is published with. */
  protected payloadOf(message: FaultMessage): FaultPayload {
    return toPayload(message);
  }

  async publish(routingKey: string, messages: readonly FaultMessage[]): Promise<string[]> {
    const result = await this.broker.publish(messages.map((m) => ({ routingKey, payload: this.payloadOf(m), ...(m.messageId ? { messageId: m.messageId } : {}) })));
    return result.messageIds;
  }

  async publishToQueue(queue: string, messages: readonly FaultMessage[]): Promise<string[]> {
    const result = await this.broker.publishToQueue(queue, messages.map((m) => ({ routingKey: queue, payload: this.payloadOf(m), ...(m.messageId ? { messageId: m.messageId } : {}) })));
    return result.messageIds;
  }

  async ack(delivery: FaultDelivery): Promise<boolean> {
    return settled(() => this.broker.ack(held(delivery)));
  }

  async nack(delivery: FaultDelivery, options: { error?: string; delayMs?: number } = {}): Promise<{ accepted: boolean; deadLettered: boolean }> {
    try {
      const outcome = await this.broker.nack(held(delivery), { ...(options.error ? { error: options.error } : {}), ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }) });
      return { accepted: true, deadLettered: outcome === 'dead_lettered' };
    } catch (error) {
      if (isLeaseLost(error)) return { accepted: false, deadLettered: false };
      throw error;
    }
  }

  async deadLettered(queue: string): Promise<string[]> {
    const dlq = await this.deadLetterQueue(queue);
    if (!dlq) return [];
    const letters = await this.broker.browse<FaultPayload>(dlq, { limit: 10_000 });
    return letters.map((d) => d.payload.value);
  }

  watchDeadLetterAlerts(): Promise<DeadLetterWatch> {
    return watchDeadLetters(this.broker);
  }

  async close(): Promise<void> {
    await this.broker.close();
  }
}

/** The library's delivery behind a FaultDelivery. */
export const held = (delivery: FaultDelivery) => delivery.handle as Delivery;
