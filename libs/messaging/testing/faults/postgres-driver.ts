import { Registry } from 'prom-client';
import { Broker, DeadLetterAlerter, type BrokerLogger, type Delivery } from '../../src/index.js';
import { toPayload, type FaultDelivery, type FaultDriver, type FaultDriverOptions, type FaultMessage, type FaultPayload, type FaultQueue, type QueueCounts } from './driver.js';

/** Broker lines go to stderr (stdout carries the child processes' JSON events), warnings and errors only. */
const stderrLogger: BrokerLogger = {
  log: () => undefined,
  debug: () => undefined,
  warn: (message, ...context) => process.stderr.write(`warn: ${message} ${context.map(String).join(' ')}\n`),
  error: (message, ...context) => process.stderr.write(`error: ${message} ${context.map(String).join(' ')}\n`),
};

/**
 * The fault driver for this library's PostgreSQL broker, through the public Broker API only.
 *
 * Claim time: Delivery has no claim time, but the claim sets the lease to statement_timestamp() + leaseMs, so the
 * server's claim time is exactly leaseExpiresAt - leaseMs. This driver always claims with an explicit leaseMs (the
 * one asked for, else the queue's, read once with getQueue) so that the subtraction is exact.
 */
export class PostgresFaultDriver implements FaultDriver {
  readonly name = 'postgres';
  private readonly leases = new Map<string, number>();
  private readonly deadLetterQueues = new Map<string, string | null>();

  private constructor(readonly broker: Broker) {}

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

  async publish(routingKey: string, messages: readonly FaultMessage[]): Promise<string[]> {
    const result = await this.broker.publish(messages.map((m) => ({ routingKey, payload: toPayload(m), ...(m.messageId ? { messageId: m.messageId } : {}) })));
    return result.messageIds;
  }

  async publishToQueue(queue: string, messages: readonly FaultMessage[]): Promise<string[]> {
    const result = await this.broker.publishToQueue(queue, messages.map((m) => ({ routingKey: queue, payload: toPayload(m), ...(m.messageId ? { messageId: m.messageId } : {}) })));
    return result.messageIds;
  }

  async claim(queue: string, options: { limit: number; leaseMs?: number }): Promise<FaultDelivery[]> {
    const leaseMs = options.leaseMs ?? (await this.queueLease(queue));
    const deliveries = await this.broker.claim<FaultPayload>(queue, { limit: options.limit, leaseMs });
    return deliveries.map((d) => toFaultDelivery(d, leaseMs));
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

  async deadLettered(queue: string): Promise<string[]> {
    const dlq = await this.deadLetterQueue(queue);
    if (!dlq) return [];
    const letters = await this.broker.browse<FaultPayload>(dlq, { limit: 10_000 });
    return letters.map((d) => d.payload.value);
  }

  async watchDeadLetterAlerts(): Promise<{ seen(): string[]; seenAt(): { messageId: string; at: number }[]; stop(): Promise<void> }> {
    const seen: { messageId: string; at: number }[] = [];
    const logger: BrokerLogger = {
      ...stderrLogger,
      error: (message, ...context) => {
        const fields = context[0] as { event?: string; messageId?: string } | undefined;
        if (fields?.event === 'dead_letter' && fields.messageId) seen.push({ messageId: fields.messageId, at: Date.now() });
        else stderrLogger.error(message, ...context);
      },
    };
    const alerter = await new DeadLetterAlerter({ broker: this.broker, logger, registry: new Registry(), pollIntervalMs: 200 }).start();
    return { seen: () => seen.map((s) => s.messageId), seenAt: () => [...seen], stop: () => alerter.stop() };
  }

  async close(): Promise<void> {
    await this.broker.close();
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

  private async deadLetterQueue(queue: string): Promise<string | null> {
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

const held = (delivery: FaultDelivery) => delivery.handle as Delivery;

async function settled(work: () => Promise<void>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    if (isLeaseLost(error)) return false;
    throw error;
  }
}

/** By code, not instanceof: Jest's VM modules can load the library twice. */
const isLeaseLost = (error: unknown) => (error as { code?: string } | null)?.code === 'LEASE_LOST';
