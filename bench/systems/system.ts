import type { OrderPayload } from '../payload.js';

/** `ours` is our broker on its PostgreSQL driver, `ours-rabbitmq` the same broker API on its RabbitMQ driver. */
export const SYSTEM_NAMES = ['ours', 'pg-boss', 'graphile-worker', 'ours-rabbitmq'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

/** How the report names each system. */
export const SYSTEM_LABELS: Record<SystemName, string> = {
  ours: 'ours',
  'pg-boss': 'pg-boss',
  'graphile-worker': 'graphile-worker',
  'ours-rabbitmq': 'ours (RabbitMQ driver)',
};

/** The single queue of the publish, drain and latency cases. */
export const WORK_QUEUE = 'bench_work';
/** The three queues of the fan-out case; one publish reaches all three. */
export const FAN_OUT_QUEUES = ['bench_fan_a', 'bench_fan_b', 'bench_fan_c'] as const;

/**
 * Where a system keeps its state: for the PostgreSQL systems a schema of their own in the bench database, dropped
 * before every case; for the RabbitMQ driver the name of its exchange and the prefix of its queues.
 */
export interface SystemConnection {
  /** The bench database. */
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
 * and `close` is on a timed path, so adapters do nothing there except call the library (`unsettled` runs on a
 * connection of its own, apart from the library's).
 */
export interface BenchSystem {
  readonly name: SystemName;
  /** The pid of the broker server process whose CPU the figures report apart (RabbitMQ), or null. Set by `start`. */
  readonly serverPid: number | null;
  /** Connects (untimed). */
  start(): Promise<void>;
  /** Creates the library's schema objects and the queues of every case, from nothing (untimed; once per case). */
  install(): Promise<void>;
  /** One message to WORK_QUEUE, one awaited call. */
  publishOne(payload: OrderPayload): Promise<void>;
  /** Many messages to WORK_QUEUE in one call of the library's batch API. */
  publishBatch(payloads: OrderPayload[]): Promise<void>;
  /** Messages that each reach all FAN_OUT_QUEUES, through the library's routing where it has one. */
  publishFanOut(payloads: OrderPayload[]): Promise<void>;
  /** One consumer per queue, all in this process; resolves once they are waiting for messages. */
  consume(queues: readonly string[], handler: Handler): Promise<RunningConsumers>;
  /** How many messages of these queues are not yet settled (acked, completed or deleted). */
  unsettled(queues: readonly string[]): Promise<number>;
  close(): Promise<void>;
}
