import type { QueueActivity } from '../../driver/admin-types.js';
import type { QueueControl } from '../../driver/operator-methods.js';
import { QueueNotFoundError } from '../../errors.js';
import type { SqlExecutor } from '../../postgres/sql-executor.js';
import { assertQueueName } from '../../validation/names.js';
import { assertIntegerInRange } from '../../validation/numbers.js';
import type { ActivityRecorder } from './activity-recorder.js';
import type { BrokerStatements } from './statements/broker-statements.js';

/** The longest window activity() reads: a day (older buckets are pruned). */
export const MAX_ACTIVITY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Pause and resume (a flag on the queue that the claim statement honours, so every process stops at its next
 * claim), and what every process reports: consumers per queue and activity counts.
 */
export class QueueOperations implements QueueControl {
  constructor(
    private readonly db: SqlExecutor,
    private readonly sql: BrokerStatements,
    private readonly recorder: ActivityRecorder,
  ) {}

  async pauseQueue(queue: string): Promise<void> {
    assertQueueName(queue);
    const [row] = await this.db.run<{ found: number }>(this.sql.pauseQueue(queue));
    if (row.found === 0) throw new QueueNotFoundError(queue);
  }

  async resumeQueue(queue: string): Promise<void> {
    assertQueueName(queue);
    const [row] = await this.db.run<{ found: number }>(this.sql.resumeQueue(queue));
    if (row.found === 0) throw new QueueNotFoundError(queue);
  }

  async pausedQueues(): Promise<string[]> {
    return (await this.db.run<{ name: string }>(this.sql.pausedQueues())).map((r) => r.name);
  }

  async consumerCounts(): Promise<Record<string, number>> {
    await this.recorder.flush();
    const rows = await this.db.run<{ queue: string; consumers: number }>(this.sql.consumerCounts());
    return Object.fromEntries(rows.map((r) => [r.queue, r.consumers]));
  }

  /** Includes this process's counts not yet flushed (it flushes first); other processes' lag by their flush interval. */
  async activity(sinceMs: number): Promise<QueueActivity[]> {
    assertIntegerInRange('sinceMs', sinceMs, 1, MAX_ACTIVITY_WINDOW_MS);
    await this.recorder.flush();
    const rows = await this.db.run<{ queue: string; published: number; delivered: number; acked: number; dead_lettered: number }>(this.sql.activity(sinceMs));
    return rows.map((r) => ({ queue: r.queue, published: r.published, delivered: r.delivered, acked: r.acked, deadLettered: r.dead_lettered }));
  }

  /** Deletes activity older than `keepMs` (and long-expired consumer rows), up to `limit`; a housekeeping chore. */
  async prune(keepMs: number, limit: number): Promise<number> {
    const [row] = await this.db.run<{ n: number }>(this.sql.pruneActivity(keepMs, limit));
    return row.n;
  }
}
