import type { OrderPayload } from '../payload.js';

export const SYSTEM_NAMES = ['ours', 'pg-boss', 'graphile-worker'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

/** The single queue of the publish, drain and latency cases. */
export const WORK_QUEUE = 'bench_work';
/** The three queues of the fan-out case; one publish reaches all three. */
export const FAN_OUT_QUEUES = ['bench_fan_a', 'bench_fan_b', 'bench_fan_c'] as const;

/** Where a system keeps its tables: a schema of its own in the bench database, dropped before every case. */
export interface SystemConnection {
  url: string;
  schema: string;
  /** Handlers running at once per consumer; sizes the connection pools the way each library's docs advise. */
  concurrency: number;
  /**
   * Messages fetched ahead of free handler slots: our `prefetch`, graphile-worker's `localQueue.size` (pg-boss has no
   * such buffer: it fetches `batchSize` at a time).
   */
  localQueue: number;
}

export type Handler = (payload: OrderPayload, queue: string) => void;

export interface RunningConsumers {
  stop(): Promise<void>;
}

/**
 * One broker library, driven the way its own documentation recommends for throughput. Every method but `start`, `install`
 * and `close` is on a timed path, so adapters do nothing there except call the library.
 */
export interface BenchSystem {
  readonly name: SystemName;
  /** Connects (untimed). */
  start(): Promise<void>;
  /** Creates the library's schema objects and the queues of every case (untimed; once per case). */
  install(): Promise<void>;
  /** One message to WORK_QUEUE, one awaited call. */
  publishOne(payload: OrderPayload): Promise<void>;
  /** Many messages to WORK_QUEUE in one call of the library's batch API. */
  publishBatch(payloads: OrderPayload[]): Promise<void>;
  /** Messages that each reach all FAN_OUT_QUEUES, through the library's routing where it has one. */
  publishFanOut(payloads: OrderPayload[]): Promise<void>;
  /** One consumer per queue, all in this process; resolves once they are waiting for messages. */
  consume(queues: readonly string[], handler: Handler): Promise<RunningConsumers>;
  /** A query counting the messages of these queues not yet settled (acked, completed or deleted), as `n`. */
  unsettledQuery(queues: readonly string[]): { text: string; values: unknown[] };
  close(): Promise<void>;
}
