import { Broker, type Consumer } from '@app/messaging';
import type { OrderPayload } from '../payload.js';
import { FAN_OUT_QUEUES, WORK_QUEUE, type BenchSystem, type Handler, type RunningConsumers, type SystemConnection } from './system.js';

const WORK_KEY = 'bench.order.created';
const FAN_OUT_KEY = 'fanout.order.created';

/** How this system's fan-out publish works, for the report. */
export const OURS_FAN_OUT = 'publish(batch): one statement routes each message to the 3 bound queues';

/**
 * Our broker: batch publish is one statement per call; consumers claim in batches and ack in batches. `prefetch` is
 * the bench's local queue (500, the same buffer graphile-worker gets); the library's default (prefetch = 4 × concurrency)
 * is measured as a variant of the c10 drain.
 */
export class OursSystem implements BenchSystem {
  readonly name = 'ours';
  private broker!: Broker;

  constructor(private readonly connection: SystemConnection) {}

  async start(): Promise<void> {
    // Connecting migrates the schema (a no-op once installed).
    this.broker = await Broker.connect({ connectionString: this.connection.url, schema: this.connection.schema, poolSize: 10 });
  }

  async install(): Promise<void> {
    await this.broker.declareQueue(WORK_QUEUE, { leaseMs: 30_000, maxAttempts: 5 });
    await this.broker.bindQueue(WORK_QUEUE, 'bench.#');
    for (const queue of FAN_OUT_QUEUES) {
      await this.broker.declareQueue(queue, { leaseMs: 30_000, maxAttempts: 5 });
      await this.broker.bindQueue(queue, 'fanout.#');
    }
  }

  async publishOne(payload: OrderPayload): Promise<void> {
    await this.broker.publish({ routingKey: WORK_KEY, payload });
  }

  async publishBatch(payloads: OrderPayload[]): Promise<void> {
    await this.broker.publish(payloads.map((payload) => ({ routingKey: WORK_KEY, payload })));
  }

  async publishFanOut(payloads: OrderPayload[]): Promise<void> {
    await this.broker.publish(payloads.map((payload) => ({ routingKey: FAN_OUT_KEY, payload })));
  }

  async consume(queues: readonly string[], handler: Handler): Promise<RunningConsumers> {
    const { concurrency } = this.connection;
    const consumers: Consumer<OrderPayload>[] = [];
    for (const queue of queues) {
      consumers.push(
        await this.broker.consume<OrderPayload>(queue, (delivery) => handler(delivery.payload, queue), {
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

  unsettledQuery(queues: readonly string[]): { text: string; values: unknown[] } {
    return { text: `SELECT count(*)::int AS n FROM "${this.connection.schema}".messages WHERE queue = ANY($1)`, values: [queues] };
  }

  async close(): Promise<void> {
    await this.broker?.close();
  }
}
