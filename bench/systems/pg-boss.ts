import { PgBoss } from 'pg-boss';
import type { OrderPayload } from '../payload.js';
import { SqlCount } from './sql-count.js';
import { FAN_OUT_QUEUES, WORK_QUEUE, type BenchSystem, type Handler, type RunningConsumers, type SystemConnection } from './system.js';

const FAN_OUT_EVENT = 'bench.fanout';
/** pg-boss has no batch publish: publish() runs one send() per subscribed queue, so several run at once instead. */
const FAN_OUT_PUBLISHERS = 10;

/** How this system's fan-out publish works, for the report. */
export const PG_BOSS_FAN_OUT = `publish(event) per message (${FAN_OUT_PUBLISHERS} concurrent calls; it has no batch form), subscribe() routes to the 3 queues`;

/**
 * pg-boss 12 tuned per its docs for throughput: a worker fetches `batchSize` jobs per round trip and its handler gets
 * them as an array, `burstWhenBatchFull` fetches again at once while batches come back full, and LISTEN/NOTIFY
 * (`useListenNotify` plus `notify` on each queue) wakes an idle worker. Concurrency C is one worker loop with
 * batchSize C: C jobs in flight, as for the other systems.
 */
export class PgBossSystem implements BenchSystem {
  readonly name = 'pg-boss';
  readonly serverPid = null;
  private boss!: PgBoss;
  private readonly count: SqlCount;

  constructor(private readonly connection: SystemConnection) {
    this.count = new SqlCount(connection.url);
  }

  async start(): Promise<void> {
    await this.count.connect();
    this.boss = new PgBoss({
      connectionString: this.connection.url,
      schema: this.connection.schema,
      max: Math.max(10, this.connection.concurrency + 2),
      useListenNotify: true,
    });
    this.boss.on('error', (error) => console.error('pg-boss error:', error));
    this.boss.on('warning', (warning) => console.error('pg-boss warning:', warning));
    await this.boss.start();
  }

  async install(): Promise<void> {
    for (const queue of [WORK_QUEUE, ...FAN_OUT_QUEUES]) await this.boss.createQueue(queue, { notify: true });
    for (const queue of FAN_OUT_QUEUES) await this.boss.subscribe(FAN_OUT_EVENT, queue);
  }

  async publishOne(payload: OrderPayload): Promise<void> {
    await this.boss.send(WORK_QUEUE, payload);
  }

  async publishBatch(payloads: OrderPayload[]): Promise<void> {
    await this.boss.insert(WORK_QUEUE, payloads.map((data) => ({ data })));
  }

  async publishFanOut(payloads: OrderPayload[]): Promise<void> {
    let next = 0;
    const publisher = async () => {
      while (next < payloads.length) await this.boss.publish(FAN_OUT_EVENT, payloads[next++]);
    };
    await Promise.all(Array.from({ length: FAN_OUT_PUBLISHERS }, publisher));
  }

  async consume(queues: readonly string[], handler: Handler): Promise<RunningConsumers> {
    for (const queue of queues) {
      await this.boss.work<OrderPayload>(
        queue,
        { localConcurrency: 1, batchSize: this.connection.concurrency, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
        async (jobs) => {
          for (const job of jobs) handler(job.data, queue);
        },
      );
    }
    return { stop: async () => void (await Promise.all(queues.map((queue) => this.boss.offWork(queue, { wait: true })))) };
  }

  unsettled(queues: readonly string[]): Promise<number> {
    return this.count.count(`SELECT count(*)::int AS n FROM "${this.connection.schema}".job WHERE name = ANY($1) AND state < 'completed'`, [queues]);
  }

  async close(): Promise<void> {
    await this.boss?.stop({ graceful: true, timeout: 10_000 });
    await this.count.close();
  }
}
