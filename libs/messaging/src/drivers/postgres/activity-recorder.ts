import { randomUUID } from 'node:crypto';
import type { BrokerLogger } from '../../core/logger.js';
import type { SqlExecutor } from '../../postgres/sql-executor.js';
import { untraced } from '../../telemetry/messaging-spans.js';
import type { ActivityColumns, BrokerStatements } from './statements/broker-statements.js';

type Counter = 'published' | 'delivered' | 'acked' | 'deadLettered';
type Counts = Record<Counter, number>;

/** How often a broker writes its counts and its consumers, in ms, unless BrokerOptions.activityFlushIntervalMs says otherwise. */
export const ACTIVITY_FLUSH_INTERVAL_MS = 2_000;
/** A process's consumer rows count for this many flush intervals: a killed process drops out after them. */
const PRESENCE_INTERVALS = 3;

/**
 * One process's message counts per queue and its consumers per queue, kept in memory and written every few seconds
 * (one upsert per table per flush, never a write per message): what activity() and consumerCounts() read for every
 * process. A failed flush keeps its counts for the next one.
 */
export class ActivityRecorder {
  /** This process's broker: the key of its consumer rows. */
  readonly brokerId = randomUUID();
  private pending = new Map<string, Counts>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** Whether this process has consumer rows to refresh or remove. */
  private present = false;

  constructor(
    private readonly db: SqlExecutor,
    private readonly sql: BrokerStatements,
    private readonly consumersPerQueue: () => Map<string, number>,
    private readonly logger: BrokerLogger,
    private readonly intervalMs = ACTIVITY_FLUSH_INTERVAL_MS,
  ) {}

  /** Adds `n` to a queue's counter (in memory). */
  count(queue: string, counter: Counter, n = 1): void {
    if (n <= 0) return;
    let counts = this.pending.get(queue);
    if (!counts) this.pending.set(queue, (counts = { published: 0, delivered: 0, acked: 0, deadLettered: 0 }));
    counts[counter] += n;
    this.start();
  }

  /** Adds a publish statement's copies by queue (its `per_queue` column). */
  countPublished(perQueue: Record<string, number> | null | undefined): void {
    for (const [queue, n] of Object.entries(perQueue ?? {})) this.count(queue, 'published', n);
  }

  /** Starts the flush timer (a consumer's start calls it too, so its presence is written). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Writes what is pending now (one flush at a time; a caller waits for the one running). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => untraced(() => this.write()));
    return this.flushing;
  }

  /** The last flush, with the consumers gone from the presence table. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async write(): Promise<void> {
    const counts = this.pending;
    this.pending = new Map();
    try {
      if (counts.size > 0) await this.db.run(this.sql.addActivity(columns(counts)));
    } catch (error) {
      for (const [queue, c] of counts) for (const counter of Object.keys(c) as Counter[]) this.count(queue, counter, c[counter]);
      this.logger.warn('Could not write the activity counts; kept for the next flush', error);
    }
    const consumers = this.timer ? this.consumersPerQueue() : new Map<string, number>();
    if (consumers.size === 0 && !this.present) return;
    try {
      await this.db.run(this.sql.refreshPresence(this.brokerId, [...consumers.keys()], [...consumers.values()], this.intervalMs * PRESENCE_INTERVALS));
      this.present = consumers.size > 0;
    } catch (error) {
      this.logger.warn('Could not write the consumer counts', error);
    }
  }
}

function columns(counts: Map<string, Counts>): ActivityColumns {
  const all = [...counts];
  return {
    queues: all.map(([queue]) => queue),
    published: all.map(([, c]) => c.published),
    delivered: all.map(([, c]) => c.delivered),
    acked: all.map(([, c]) => c.acked),
    deadLettered: all.map(([, c]) => c.deadLettered),
  };
}
