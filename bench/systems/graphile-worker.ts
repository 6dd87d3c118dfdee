import { Logger, makeWorkerUtils, run, runMigrations, type Runner, type WorkerUtils } from 'graphile-worker';
import type { OrderPayload } from '../payload.js';
import { SqlCount } from './sql-count.js';
import { FAN_OUT_QUEUES, WORK_QUEUE, type BenchSystem, type Handler, type RunningConsumers, type SystemConnection } from './system.js';

/** Warnings and errors to stderr; graphile-worker's info lines would otherwise mix with the child's JSON on stdout. */
const quietLogger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`graphile-worker ${level}: ${message}`);
});

/** How this system's fan-out publish works, for the report. */
export const GRAPHILE_FAN_OUT = 'addJobs with 3 jobs per message (no routing: the producer names each of the 3 tasks)';

/**
 * graphile-worker 0.18 with the batching settings of its performance docs: a local queue (500 jobs) per fetch and
 * batched completion (`completeJobBatchDelay: 0`); pool of max(10, concurrency + 2) as its docs advise. Jobs are
 * added with `addJobs` (one statement per call). It has no routing: a fan-out message is three jobs, one per task.
 * Each "queue" here is a task identifier; each consumer is a runner whose task list holds only that task.
 */
export class GraphileWorkerSystem implements BenchSystem {
  readonly name = 'graphile-worker';
  readonly serverPid = null;
  private utils!: WorkerUtils;
  private readonly count: SqlCount;

  constructor(private readonly connection: SystemConnection) {
    this.count = new SqlCount(connection.url);
  }

  async start(): Promise<void> {
    await this.count.connect();
    this.utils = await makeWorkerUtils({ connectionString: this.connection.url, schema: this.connection.schema, logger: quietLogger });
  }

  async install(): Promise<void> {
    await runMigrations({ connectionString: this.connection.url, schema: this.connection.schema, logger: quietLogger });
  }

  async publishOne(payload: OrderPayload): Promise<void> {
    await this.utils.addJob(WORK_QUEUE, payload);
  }

  async publishBatch(payloads: OrderPayload[]): Promise<void> {
    await this.utils.addJobs(payloads.map((payload) => ({ identifier: WORK_QUEUE, payload })));
  }

  async publishFanOut(payloads: OrderPayload[]): Promise<void> {
    await this.utils.addJobs(payloads.flatMap((payload) => FAN_OUT_QUEUES.map((identifier) => ({ identifier, payload }))));
  }

  async consume(queues: readonly string[], handler: Handler): Promise<RunningConsumers> {
    const { url, schema, concurrency, localQueue } = this.connection;
    const runners: Runner[] = [];
    for (const queue of queues) {
      runners.push(
        await run({
          noHandleSignals: true,
          logger: quietLogger,
          taskList: { [queue]: async (payload) => handler(payload as OrderPayload, queue) },
          preset: {
            worker: {
              connectionString: url,
              schema,
              concurrentJobs: concurrency,
              maxPoolSize: Math.max(10, concurrency + 2),
              localQueue: { size: localQueue },
              completeJobBatchDelay: 0,
              failJobBatchDelay: 0,
            },
          },
        }),
      );
    }
    return { stop: async () => void (await Promise.all(runners.map((runner) => runner.stop()))) };
  }

  unsettled(queues: readonly string[]): Promise<number> {
    const s = `"${this.connection.schema}"`;
    return this.count.count(`SELECT count(*)::int AS n FROM ${s}._private_jobs j JOIN ${s}._private_tasks t ON t.id = j.task_id WHERE t.identifier = ANY($1)`, [
      queues,
    ]);
  }

  async close(): Promise<void> {
    await this.utils?.release();
    await this.count.close();
  }
}
