import { BackgroundLoop } from '../../core/background-loop.js';
import type { BrokerLogger } from '../../core/logger.js';
import type { AdminDatabase } from '../admin-database.js';
import type { AdminBroker } from '../broker-administration.js';
import { queueOverviews } from '../queues/queue-overview.js';

/** One point of a queue's charts. `in` and `out` are messages per second over the last minute (null without counters). */
export interface QueueSample {
  at: Date;
  ready: number;
  dead: number;
  in: number | null;
  out: number | null;
}

/** How long samples are kept: the console charts the last hour. */
export const SAMPLE_RETENTION_MS = 3_600_000;

/**
 * Samples every queue's depth, dead letters and rates each interval into the admin database, and forgets samples
 * older than an hour. The sample's time is the start of its interval, so replicas sampling at once write one row.
 */
export class QueueSampler {
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly broker: AdminBroker,
    private readonly db: AdminDatabase,
    private readonly options: { intervalMs: number; logger: BrokerLogger },
  ) {
    this.loop = new BackgroundLoop({ name: 'Admin queue sampler', intervalMs: options.intervalMs, round: () => this.sampleOnce().then(() => false), logger: options.logger });
  }

  start(): this {
    this.loop.start();
    return this;
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Samples every queue now; returns how many rows were written (0 when this slot was already sampled). */
  async sampleOnce(): Promise<number> {
    const queues = await queueOverviews(this.broker);
    const slot = new Date(Math.floor(Date.now() / this.options.intervalMs) * this.options.intervalMs);
    const rows = await this.db.query(
      `INSERT INTO ${this.db.schema}.queue_samples (queue, at, ready, dead, in_rate, out_rate)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::int[], $5::float8[], $6::float8[])
       ON CONFLICT (queue, at) DO NOTHING RETURNING queue`,
      [
        queues.map((q) => q.name),
        queues.map(() => slot),
        queues.map((q) => q.depth.ready),
        queues.map((q) => q.depth.dead),
        queues.map((q) => q.rates?.in1m ?? null),
        queues.map((q) => q.rates?.out1m ?? null),
      ],
    );
    await this.db.query(`DELETE FROM ${this.db.schema}.queue_samples WHERE at < $1`, [new Date(Date.now() - SAMPLE_RETENTION_MS)]);
    return rows.length;
  }

  /** A queue's samples of the last hour, oldest first. */
  async samples(queue: string): Promise<QueueSample[]> {
    const rows = await this.db.query<{ at: Date; ready: number; dead: number; in_rate: number | null; out_rate: number | null }>(
      `SELECT at, ready, dead, in_rate, out_rate FROM ${this.db.schema}.queue_samples WHERE queue = $1 AND at >= $2 ORDER BY at`,
      [queue, new Date(Date.now() - SAMPLE_RETENTION_MS)],
    );
    return rows.map((row) => ({ at: row.at, ready: row.ready, dead: row.dead, in: row.in_rate, out: row.out_rate }));
  }
}
