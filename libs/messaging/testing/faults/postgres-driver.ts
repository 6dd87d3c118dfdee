import { Broker, type Delivery } from '../../src/index.js';
import { BrokerFaultDriver, held } from './broker-fault-driver.js';
import type { FaultDelivery, FaultDriverOptions, FaultPayload, FaultQueue, QueueCounts } from './driver.js';
import { settled, stderrLogger } from './driver-support.js';

/**
 * The fault driver for this library's PostgreSQL broker, through the public Broker API only.
 *
 * Claim time: Delivery has no claim time, but the claim sets the lease to statement_timestamp() + leaseMs, so the
 * server's claim time is exactly leaseExpiresAt - leaseMs. This driver always claims with an explicit leaseMs (the
 * one asked for, else the queue's, read once with getQueue) so that the subtraction is exact.
 */
export class PostgresFaultDriver extends BrokerFaultDriver {
  readonly name = 'postgres' as const;
  readonly capabilities = { leaseExtension: true, leaseExpiry: true };
  readonly countsLagMs = 0;
  private readonly leases = new Map<string, number>();
  private readonly deadLetterQueues = new Map<string, string | null>();

  private constructor(override readonly broker: Broker) {
    super(broker);
  }

  static async connect(options: FaultDriverOptions): Promise<PostgresFaultDriver> {
    const broker = await Broker.connect({
      connectionString: options.url,
      schema: options.schema,
      poolSize: options.poolSize ?? 4,
      migrate: options.migrate ?? true,
      logger: stderrLogger,
    });
    return new PostgresFaultDriver(broker);
  }

  async setupQueue(queue: FaultQueue): Promise<void> {
    const info = await this.broker.declareQueue(queue.name, {
      ...(queue.maxAttempts === undefined ? {} : { maxAttempts: queue.maxAttempts }),
      ...(queue.leaseMs === undefined ? {} : { leaseMs: queue.leaseMs }),
      ...(queue.retryBaseMs === undefined ? {} : { retryBaseMs: queue.retryBaseMs }),
      ...(queue.deadLetterQueue === undefined ? {} : { deadLetterQueue: queue.deadLetterQueue }),
    });
    await this.broker.bindQueue(queue.name, queue.bindingPattern ?? queue.name);
    this.leases.set(queue.name, info.options.leaseMs);
    this.deadLetterQueues.set(queue.name, info.options.deadLetterQueue);
  }

  async claim(queue: string, options: { limit: number; leaseMs?: number }): Promise<FaultDelivery[]> {
    const leaseMs = options.leaseMs ?? (await this.queueLease(queue));
    const deliveries = await this.broker.claim<FaultPayload>(queue, { limit: options.limit, leaseMs });
    return deliveries.map((d) => toFaultDelivery(d, leaseMs));
  }

  async extend(delivery: FaultDelivery, ms: number): Promise<boolean> {
    return settled(async () => {
      const expiry = await this.broker.extendLease(held(delivery), ms);
      delivery.leaseExpiresAt = expiry.getTime();
    });
  }

  async counts(queue: string): Promise<QueueCounts> {
    const stats = await this.broker.queueStats(queue);
    const dlq = await this.deadLetterQueue(queue);
    let dead = 0;
    if (dlq) {
      const d = await this.broker.queueStats(dlq);
      dead = d.ready + d.delayed + d.leased + d.leaseExpired;
    }
    return { ready: stats.ready + stats.delayed, leased: stats.leased + stats.leaseExpired, dead };
  }

  private async queueLease(queue: string): Promise<number> {
    let lease = this.leases.get(queue);
    if (lease === undefined) {
      const info = await this.broker.getQueue(queue);
      lease = info.options.leaseMs;
      this.leases.set(queue, lease);
      this.deadLetterQueues.set(queue, info.options.deadLetterQueue);
    }
    return lease;
  }

  protected async deadLetterQueue(queue: string): Promise<string | null> {
    if (!this.deadLetterQueues.has(queue)) await this.queueLease(queue);
    return this.deadLetterQueues.get(queue) ?? null;
  }
}

function toFaultDelivery(d: Delivery<FaultPayload>, leaseMs: number): FaultDelivery {
  const leaseExpiresAt = d.leaseExpiresAt.getTime();
  return {
    messageId: d.messageId,
    deliveryId: d.id,
    value: d.payload.value,
    ...(d.payload.key === undefined ? {} : { key: d.payload.key }),
    ...(d.payload.seq === undefined ? {} : { seq: d.payload.seq }),
    attempt: d.attempt,
    leaseToken: d.leaseToken,
    claimedAt: leaseExpiresAt - leaseMs,
    leaseExpiresAt,
    handle: d,
  };
}

