import type { QueueInfo } from '../../driver/broker-types.js';
export type { QueueInfo } from '../../driver/broker-types.js';
import type pg from 'pg';
import { QueueInUseError, QueueNotFoundError, QueueOptionsConflictError } from '../../errors.js';
import { inTransaction, pgExecutor, type SqlExecutor } from '../../postgres/sql-executor.js';
import type { BrokerStatements } from './statements/broker-statements.js';
import { assertPattern, assertQueueName } from '../../validation/names.js';
import {
  fromQueueRow,
  resolveQueueOptions,
  toQueueRow,
  type QueueOptions,
  type QueueRow,
  type ResolvedQueueOptions,
} from '../../topology/queue-options.js';
import { compilePattern } from '../../topology/topic-matcher.js';

/** Declares, binds, unbinds and deletes queues. Each operation is one transaction. */
export class Topology {
  constructor(
    private readonly pool: pg.Pool,
    private readonly sql: BrokerStatements,
  ) {}

  private transaction<T>(work: (db: SqlExecutor) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

  /**
   * Declares a queue, like RabbitMQ's queue.declare: creates it if missing, else checks that every option given
   * here equals the stored one (options left out are not compared) and throws QueueOptionsConflictError if not.
   * The default dead-letter queue `<name>.dlq` is declared first.
   */
  async declareQueue(name: string, options: QueueOptions = {}): Promise<QueueInfo> {
    const resolved = resolveQueueOptions(name, options);
    return this.transaction(async (db) => {
      if (resolved.deadLetterQueue !== null) {
        const dlqGiven = options.deadLetterQueue !== undefined;
        const existing = await db.run<QueueRow>(this.sql.selectQueue(resolved.deadLetterQueue));
        if (existing.length === 0) {
          if (dlqGiven) throw new QueueNotFoundError(resolved.deadLetterQueue);
          const dlq = resolveQueueOptions(resolved.deadLetterQueue, { deadLetterQueue: null });
          await db.run(this.sql.insertQueue(toQueueRow(resolved.deadLetterQueue, dlq)));
        }
      }
      const inserted = await db.run(this.sql.insertQueue(toQueueRow(name, resolved)));
      const [row] = await db.run<QueueRow>(this.sql.selectQueue(name));
      if (inserted.length === 0) this.assertSameOptions(name, options, fromQueueRow(row));
      return this.info(db, row);
    });
  }

  /** Changes a queue's stored options (the deliberate counterpart of a conflicting declare). */
  async updateQueue(name: string, options: QueueOptions): Promise<QueueInfo> {
    assertQueueName(name);
    return this.transaction(async (db) => {
      const [current] = await db.run<QueueRow>(this.sql.selectQueue(name, true));
      if (!current) throw new QueueNotFoundError(name);
      const resolved = resolveQueueOptions(name, { ...fromQueueRow(current), ...options });
      if (resolved.deadLetterQueue !== null && (await db.run(this.sql.selectQueue(resolved.deadLetterQueue))).length === 0) {
        throw new QueueNotFoundError(resolved.deadLetterQueue);
      }
      await db.run(this.sql.updateQueue(toQueueRow(name, resolved)));
      const [row] = await db.run<QueueRow>(this.sql.selectQueue(name));
      return this.info(db, row);
    });
  }

  async getQueue(name: string): Promise<QueueInfo> {
    assertQueueName(name);
    const db = pgExecutor(this.pool);
    const [row] = await db.run<QueueRow>(this.sql.selectQueue(name));
    if (!row) throw new QueueNotFoundError(name);
    return this.info(db, row);
  }

  async listQueues(): Promise<QueueInfo[]> {
    const db = pgExecutor(this.pool);
    const [rows, bindings] = await Promise.all([
      db.run<QueueRow>(this.sql.selectQueues()),
      db.run<{ queue: string; pattern: string }>(this.sql.selectAllBindings()),
    ]);
    return rows.map((row) => toInfo(row, bindings.filter((b) => b.queue === row.name).map((b) => b.pattern)));
  }

  /** Binds a queue to a topic pattern (`*` one word, `#` zero or more). Binding twice is a no-op. */
  async bindQueue(queue: string, pattern: string): Promise<void> {
    assertQueueName(queue);
    assertPattern(pattern);
    const rows = await pgExecutor(this.pool).run(this.sql.insertBinding(queue, pattern, compilePattern(pattern)));
    if (rows.length === 0) throw new QueueNotFoundError(queue);
  }

  /** Removes a binding; returns whether it existed. */
  async unbindQueue(queue: string, pattern: string): Promise<boolean> {
    assertQueueName(queue);
    assertPattern(pattern);
    const rows = await pgExecutor(this.pool).run(this.sql.deleteBinding(queue, pattern));
    return rows.length > 0;
  }

  /**
   * Deletes a queue with its bindings and messages; returns how many messages went with it. Refuses while another
   * queue dead-letters into it, or, with `ifEmpty`, while it holds messages.
   */
  async deleteQueue(name: string, options: { ifEmpty?: boolean } = {}): Promise<number> {
    assertQueueName(name);
    return this.transaction(async (db) => {
      const [row] = await db.run<QueueRow>(this.sql.selectQueue(name, true));
      if (!row) throw new QueueNotFoundError(name);
      const sources = await db.run<{ name: string }>(this.sql.selectQueuesDeadLetteringInto(name));
      if (sources.length > 0) {
        throw new QueueInUseError(`Queue ${JSON.stringify(name)} is the dead-letter queue of ${sources.map((q) => q.name).join(', ')}`, {
          queue: name,
        });
      }
      if (options.ifEmpty) {
        const [{ n }] = await db.run<{ n: number }>(this.sql.countMessages(name));
        if (n > 0) throw new QueueInUseError(`Queue ${JSON.stringify(name)} holds ${n} messages`, { queue: name, messages: n });
      }
      const [result] = await db.run<{ messages: number }>(this.sql.deleteQueue(name));
      return result.messages;
    });
  }

  private assertSameOptions(name: string, given: QueueOptions, stored: ResolvedQueueOptions): void {
    const differences = (Object.keys(given) as (keyof QueueOptions)[])
      .filter((key) => given[key] !== undefined && given[key] !== stored[key])
      .map((key) => `${key}: declared ${JSON.stringify(given[key])}, stored ${JSON.stringify(stored[key])}`);
    if (differences.length > 0) {
      throw new QueueOptionsConflictError(
        `Queue ${JSON.stringify(name)} already exists with other options (${differences.join('; ')}); use updateQueue to change them`,
        { queue: name, differences },
      );
    }
  }

  private async info(db: SqlExecutor, row: QueueRow): Promise<QueueInfo> {
    const bindings = await db.run<{ pattern: string }>(this.sql.selectBindings(row.name));
    return toInfo(row, bindings.map((b) => b.pattern));
  }
}

function toInfo(row: QueueRow, bindings: string[]): QueueInfo {
  return { name: row.name, options: fromQueueRow(row), bindings, createdAt: row.created_at };
}
