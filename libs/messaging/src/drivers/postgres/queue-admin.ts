import type { QueueStats, QueueDepth, RedriveOptions } from '../../driver/broker-types.js';
export type { QueueStats, QueueDepth, RedriveOptions } from '../../driver/broker-types.js';
import { QueueNotFoundError } from '../../errors.js';
import { assertKnownFields } from '../../validation/fields.js';
import type { BrokerStatements } from './statements/broker-statements.js';
import { untraced } from '../../telemetry/messaging-spans.js';
import { assertQueueName } from '../../validation/names.js';
import { assertIntegerInRange as assertLimit } from '../../validation/numbers.js';
import { toDelivery, type Delivery, type DeliveryRow } from '../../message.js';
import type { SqlExecutor } from '../../postgres/sql-executor.js';
import { MAX_QUEUE_TTL_MS } from '../../limits.js';
import { resolveRedriveSelection } from '../../validation/browse-query.js';

const REDRIVE_OPTIONS: ReadonlySet<string> = new Set(['to', 'limit', 'ratePerSecond', 'messageIds', 'filter']);

/** Defaults of browse and redrive: browse reads 100 messages; redrive moves every dead letter, 100 a statement. */
export const QUEUE_ADMIN_DEFAULTS = { browseLimit: 100, redriveBatch: 100 } as const;
const MAX_BROWSE_LIMIT = 10_000;
const MAX_PURGE_LIMIT = 1_000_000;
const MAX_REDRIVE_RATE = 100_000;

/** What the Broker offers an operator besides the message flow: inspection, queue expiry, redrive and purge. */
export class QueueAdmin {
  constructor(
    private readonly db: SqlExecutor,
    private readonly sql: BrokerStatements,
  ) {}

  /** Callers use it only when they found nothing, so the common path pays no round trip. */
  async assertQueueExists(queue: string): Promise<void> {
    if ((await this.db.run(this.sql.selectQueue(queue))).length === 0) throw new QueueNotFoundError(queue);
  }

  async queueStats(queue: string): Promise<QueueStats> {
    assertQueueName(queue);
    const [row] = await this.db.run<{ ready: number; delayed: number; leased: number; lease_expired: number }>(this.sql.queueStats(queue));
    if (row.ready + row.delayed + row.leased + row.lease_expired === 0) await this.assertQueueExists(queue);
    return { ready: row.ready, delayed: row.delayed, leased: row.leased, leaseExpired: row.lease_expired };
  }

  async queueDepths(): Promise<QueueDepth[]> {
    const rows = await untraced(() =>
      this.db.run<{ queue: string; ready: number; delayed: number; leased: number; oldest_age_seconds: number }>(this.sql.queueDepths()),
    );
    return rows.map((r) => ({ queue: r.queue, ready: r.ready, delayed: r.delayed, leased: r.leased, oldestAgeSeconds: r.oldest_age_seconds }));
  }

  async browse<T>(queue: string, options: { limit?: number }): Promise<Delivery<T>[]> {
    assertQueueName(queue);
    const limit = assertLimit('limit', options.limit ?? QUEUE_ADMIN_DEFAULTS.browseLimit, 1, MAX_BROWSE_LIMIT);
    const rows = await this.db.run<DeliveryRow>(this.sql.browse(queue, limit));
    if (rows.length === 0) await this.assertQueueExists(queue);
    return rows.map((row) => toDelivery<T>(row));
  }

  async renewQueue(name: string, ttlMs: number): Promise<void> {
    assertQueueName(name);
    assertLimit('ttlMs', ttlMs, 1_000, MAX_QUEUE_TTL_MS);
    const rows = await this.db.run(this.sql.renewQueue(name, ttlMs));
    if (rows.length === 0) throw new QueueNotFoundError(name);
  }

  async deleteExpiredQueues(): Promise<string[]> {
    const rows = await this.db.run<{ name: string }>(this.sql.deleteExpiredQueues());
    return rows.map((r) => r.name);
  }

  async purgeExpiredDeduplication(options: { limit?: number }): Promise<number> {
    if (options.limit !== undefined) assertLimit('limit', options.limit, 1, MAX_PURGE_LIMIT);
    const [row] = await this.db.run<{ n: number }>(this.sql.purgeExpiredDeduplication(options.limit ?? null));
    return row.n;
  }

  async redrive(deadLetterQueue: string, options: RedriveOptions): Promise<number> {
    assertQueueName(deadLetterQueue);
    assertKnownFields(options, REDRIVE_OPTIONS, 'the redrive options');
    if (options.to !== undefined) assertQueueName(options.to);
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
    if (options.limit !== undefined) assertLimit('limit', options.limit, 1, Number.MAX_SAFE_INTEGER);
    if (options.ratePerSecond !== undefined) assertLimit('ratePerSecond', options.ratePerSecond, 1, MAX_REDRIVE_RATE);
    const selection = resolveRedriveSelection(options);
    await this.assertQueueExists(deadLetterQueue);
    if (options.to !== undefined) await this.assertQueueExists(options.to);
    const batch = Math.min(QUEUE_ADMIN_DEFAULTS.redriveBatch, options.ratePerSecond ?? QUEUE_ADMIN_DEFAULTS.redriveBatch);
    let moved = 0;
    while (moved < limit) {
      const started = Date.now();
      const [row] = await this.db.run<{ moved: number }>(this.sql.redrive(deadLetterQueue, Math.min(batch, limit - moved), options.to ?? null, selection));
      moved += row.moved;
      if (row.moved === 0) break;
      if (options.ratePerSecond !== undefined) {
        const due = (row.moved / options.ratePerSecond) * 1000 - (Date.now() - started);
        if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      }
    }
    return moved;
  }

  async purge(queue: string): Promise<number> {
    assertQueueName(queue);
    const [row] = await this.db.run<{ n: number }>(this.sql.purge(queue));
    if (row.n === 0) await this.assertQueueExists(queue);
    return row.n;
  }
}
