import { randomUUID } from 'node:crypto';
import { RabbitMqBroker, type Delivery } from '../../src/index.js';
import { rabbitmqctl } from '../rabbitmq-vhost.js';
import { HELD_UNTIL_SETTLED } from './history.js';
import { BrokerFaultDriver, held } from './broker-fault-driver.js';
import { toPayload, type FaultDelivery, type FaultDriverOptions, type FaultMessage, type FaultPayload, type FaultQueue, type QueueCounts } from './driver.js';
import { stderrLogger } from './driver-support.js';

/**
 * The fault driver for the library's RabbitMQ broker, through the public RabbitMqBroker API (one exception in
 * counts, below). `url` is the AMQP URL with the test's vhost, `schema` the exchange.
 *
 * Where the FaultDriver contract meets RabbitMQ (RABBITMQ_CAPABILITIES):
 * - No lease runs out: a claim (basic.get) is held until settled or until its connection closes, so leaseExpiresAt
 *   is HELD_UNTIL_SETTLED and a claim's leaseMs is ignored; extend() throws the broker's CapabilityNotSupportedError.
 * - Times are this process's clock (RabbitMQ reports none): claimedAt is when basic.get returned.
 * - Each process re-declares the queues it uses (setupQueue with the same options): AMQP cannot read a queue's
 *   retry and dead-letter options back, and a broker that did not declare a queue assumes the defaults.
 * - RabbitMQ has no id per copy of a message: each publish puts one in the payload (`copy`), the deliveryId, so that
 *   copies forced to share a messageId (T15) stay apart and a redelivery keeps its copy's id.
 * - deadLettered() reads the dead-letter queue with browse, which RabbitMQ counts as a delivery of each dead letter.
 * - counts(): queueStats sees what this process holds and the delay queues it used; a message another process holds
 *   (unacked) or its retry waiting in a delay queue is invisible to it. When queueStats reads empty, counts() asks
 *   the server (rabbitmqctl list_queues, test tooling, not the broker API) for the queue's unacknowledged messages
 *   and its delay queues (`<queue>.delay.<ms>`) before saying so, so that a drain does not end early. Those figures
 *   are RabbitMQ's statistics, refreshed every 5 s by default (collect_statistics_interval; RABBITMQ_STATS_INTERVAL_MS
 *   here if the server's differs): countsLagMs, which drainQueue waits out. They lag; the live ready count does not.
 */
export class RabbitMqFaultDriver extends BrokerFaultDriver {
  readonly name = 'rabbitmq' as const;
  readonly capabilities = { leaseExtension: false, leaseExpiry: false };
  readonly countsLagMs = Number(process.env.RABBITMQ_STATS_INTERVAL_MS ?? 5_000) + 500;
  private readonly deadLetterQueues = new Map<string, string | null>();

  private constructor(
    override readonly broker: RabbitMqBroker,
    private readonly vhost: string,
  ) {
    super(broker);
  }

  static async connect(options: FaultDriverOptions): Promise<RabbitMqFaultDriver> {
    const broker = await RabbitMqBroker.connect({ url: options.url, exchange: options.schema, logger: stderrLogger, reconnectBaseMs: 50, reconnectMaxMs: 1_000 });
    return new RabbitMqFaultDriver(broker, decodeURIComponent(new URL(options.url).pathname.slice(1)) || '/');
  }

  async setupQueue(queue: FaultQueue): Promise<void> {
    // leaseMs is not a RabbitMQ queue option that does anything (no lease runs out); it is not passed.
    const info = await this.broker.declareQueue(queue.name, {
      ...(queue.maxAttempts === undefined ? {} : { maxAttempts: queue.maxAttempts }),
      ...(queue.retryBaseMs === undefined ? {} : { retryBaseMs: queue.retryBaseMs }),
      ...(queue.deadLetterQueue === undefined ? {} : { deadLetterQueue: queue.deadLetterQueue }),
    });
    await this.broker.bindQueue(queue.name, queue.bindingPattern ?? queue.name);
    this.deadLetterQueues.set(queue.name, info.options.deadLetterQueue);
  }

  /** Each copy gets its own id (the deliveryId): RabbitMQ has none. */
  protected override payloadOf(message: FaultMessage): CopyPayload {
    return { ...toPayload(message), copy: randomUUID() };
  }

  async claim(queue: string, options: { limit: number; leaseMs?: number }): Promise<FaultDelivery[]> {
    const deliveries = await this.broker.claim<CopyPayload>(queue, { limit: options.limit });
    const claimedAt = Date.now();
    return deliveries.map((d) => toFaultDelivery(d, claimedAt));
  }

  /** Throws CapabilityNotSupportedError (capabilities.leaseExtension false): there is no lease to extend. */
  async extend(delivery: FaultDelivery, ms: number): Promise<boolean> {
    await this.broker.extendLease(held(delivery), ms);
    return true;
  }

  async counts(queue: string): Promise<QueueCounts> {
    const stats = await this.broker.queueStats(queue);
    const dlq = await this.deadLetterQueue(queue);
    const dead = dlq ? (await this.broker.queueStats(dlq)).ready : 0;
    const counts = { ready: stats.ready + stats.delayed, leased: stats.leased, dead };
    if (counts.ready + counts.leased > 0) return counts;
    const elsewhere = await this.heldElsewhere(queue);
    return { ready: counts.ready + elsewhere.delayed, leased: elsewhere.unacked, dead };
  }

  protected async deadLetterQueue(queue: string): Promise<string | null> {
    if (!this.deadLetterQueues.has(queue)) this.deadLetterQueues.set(queue, (await this.broker.getQueue(queue)).options.deadLetterQueue);
    return this.deadLetterQueues.get(queue) ?? null;
  }

  /** The server's own counts: the queue's unacknowledged messages (any connection) and what waits in its delay queues. */
  private async heldElsewhere(queue: string): Promise<{ unacked: number; delayed: number }> {
    const rows = (await rabbitmqctl('-q', 'list_queues', '-p', this.vhost, '--no-table-headers', 'name', 'messages_ready', 'messages_unacknowledged'))
      .split('\n')
      .map((line) => line.trim().split(/\t/))
      .filter(([name]) => name);
    let unacked = 0;
    let delayed = 0;
    for (const [name, ready, unacknowledged] of rows) {
      if (name === queue) unacked += Number(unacknowledged);
      else if (name!.startsWith(`${queue}.delay.`)) delayed += Number(ready) + Number(unacknowledged);
    }
    return { unacked, delayed };
  }
}

type CopyPayload = FaultPayload & { copy?: string };

function toFaultDelivery(d: Delivery<CopyPayload>, claimedAt: number): FaultDelivery {
  return {
    messageId: d.messageId,
    deliveryId: d.payload.copy ?? d.messageId,
    value: d.payload.value,
    ...(d.payload.key === undefined ? {} : { key: d.payload.key }),
    ...(d.payload.seq === undefined ? {} : { seq: d.payload.seq }),
    attempt: d.attempt,
    leaseToken: d.leaseToken,
    claimedAt,
    leaseExpiresAt: HELD_UNTIL_SETTLED,
    handle: d,
  };
}

