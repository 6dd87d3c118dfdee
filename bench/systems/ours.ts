import type { MessageBroker, MessageConsumer } from '@app/messaging';
import type { OrderPayload } from '../payload.js';
import { FAN_OUT_QUEUES, WORK_QUEUE, type BenchSystem, type Handler, type RunningConsumers, type SystemConnection } from './system.js';

const WORK_KEY = 'bench.order.created';
const FAN_OUT_KEY = 'fanout.order.created';
/** Every queue of every case, as the cases name them. */
export const BENCH_QUEUES = [WORK_QUEUE, ...FAN_OUT_QUEUES];

/** What of the driver interface the bench uses: either driver's broker fits. */
export type BenchBroker = Pick<MessageBroker, 'declareQueue' | 'bindQueue' | 'deleteQueue' | 'publish' | 'consume' | 'queueStats' | 'close'>;

/** One driver of our broker behind the shared adapter: how to connect it, where its queues live, how to count. */
export interface OursDriver {
  readonly system: 'ours' | 'ours-rabbitmq';
  /** See BenchSystem.serverPid; known once `connect` resolved. */
  readonly serverPid: number | null;
  /**
   * Declare the queues in every process, as an app does at startup (untimed), not only in the installing one: the
   * RabbitMQ driver learns a queue's retry and dead-letter options from the declare, and warns without it.
   */
  readonly declaresOnStart: boolean;
  connect(): Promise<BenchBroker>;
  /** The engine's name for a queue of the cases. */
  queueName(queue: string): string;
  /** Removes what an earlier case left on the engine, where the orchestrator does not (it drops the pg schemas). */
  clear(broker: BenchBroker, queues: readonly string[]): Promise<void>;
  /** Messages of these queues (engine names) not yet settled. */
  unsettled(broker: BenchBroker, queues: readonly string[]): Promise<number>;
  /** Closes what the driver opened besides the broker. */
  close(): Promise<void>;
}

/** How our broker's fan-out publish works, for the report. */
export const OURS_FAN_OUT = 'publish(batch): one statement routes each message to the 3 bound queues';
export const OURS_RABBITMQ_FAN_OUT = 'publish(batch) with publisher confirms: the topic exchange routes each message to the 3 bound queues';

/**
 * Our broker through its driver interface, on either driver: batch publish is one call; consumers get `prefetch`
 * messages ahead (the bench's local queue, 500, the same buffer graphile-worker gets; on RabbitMQ it is basic.qos).
 * The library's default (prefetch = 4 × concurrency) is measured as a variant of the c10 drain.
 */
export class OursSystem implements BenchSystem {
  readonly name: OursDriver['system'];
  private broker: BenchBroker | undefined;

  constructor(
    private readonly connection: SystemConnection,
    private readonly driver: OursDriver,
  ) {
    this.name = driver.system;
  }

  get serverPid(): number | null {
    return this.driver.serverPid;
  }

  async start(): Promise<void> {
    // On PostgreSQL, connecting migrates the schema (a no-op once installed).
    this.broker = await this.driver.connect();
    if (this.driver.declaresOnStart) await this.declareQueues();
  }

  async install(): Promise<void> {
    await this.driver.clear(
      this.open(),
      BENCH_QUEUES.map((queue) => this.driver.queueName(queue)),
    );
    await this.declareQueues();
  }

  private async declareQueues(): Promise<void> {
    const broker = this.open();
    await broker.declareQueue(this.driver.queueName(WORK_QUEUE), { leaseMs: 30_000, maxAttempts: 5 });
    await broker.bindQueue(this.driver.queueName(WORK_QUEUE), 'bench.#');
    for (const queue of FAN_OUT_QUEUES) {
      await broker.declareQueue(this.driver.queueName(queue), { leaseMs: 30_000, maxAttempts: 5 });
      await broker.bindQueue(this.driver.queueName(queue), 'fanout.#');
    }
  }

  async publishOne(payload: OrderPayload): Promise<void> {
    await this.broker!.publish({ routingKey: WORK_KEY, payload });
  }

  async publishBatch(payloads: OrderPayload[]): Promise<void> {
    await this.broker!.publish(payloads.map((payload) => ({ routingKey: WORK_KEY, payload })));
  }

  async publishFanOut(payloads: OrderPayload[]): Promise<void> {
    await this.broker!.publish(payloads.map((payload) => ({ routingKey: FAN_OUT_KEY, payload })));
  }

  async consume(queues: readonly string[], handler: Handler): Promise<RunningConsumers> {
    const broker = this.open();
    const { concurrency } = this.connection;
    const consumers: MessageConsumer[] = [];
    for (const queue of queues) {
      consumers.push(
        await broker.consume<OrderPayload>(this.driver.queueName(queue), (delivery) => handler(delivery.payload, queue), {
          concurrency,
          prefetch: this.connection.localQueue,
          maxClaimBatch: 500,
          pollIntervalMs: 1_000,
          listen: true,
        }),
      );
    }
    return { stop: async () => void (await Promise.all(consumers.map((consumer) => consumer.stop()))) };
  }

  unsettled(queues: readonly string[]): Promise<number> {
    return this.driver.unsettled(
      this.open(),
      queues.map((queue) => this.driver.queueName(queue)),
    );
  }

  async close(): Promise<void> {
    await this.broker?.close();
    await this.driver.close();
  }

  private open(): BenchBroker {
    if (!this.broker) throw new Error(`${this.name}: start() first`);
    return this.broker;
  }
}
