import pg from 'pg';
import { inClientTransaction, toExecutor, type Transaction } from '../postgres/sql-executor.js';
import { InvalidArgumentError } from '../errors.js';
import { ServiceStatements } from '../postgres/service-statements.js';
import { untraced } from '../telemetry/messaging-spans.js';
import { assertMessageId, assertQueueName } from '../validation/names.js';
import { assertIntegerInRange } from '../validation/numbers.js';

/** Runs work in a transaction of the service's database and hands it the transaction (TypeORM's DataSource fits). */
export interface TransactionRunner<T extends Transaction> {
  transaction<R>(work: (transaction: T) => Promise<R>): Promise<R>;
}

/** The longest inbox retention: 10 years, in ms. */
const MAX_RETENTION_MS = 10 * 365 * 24 * 60 * 60 * 1000;

export interface InboxOptions {
  /** Schema of the service's outbox and inbox tables. Default 'messaging'. */
  schema?: string;
  /**
   * How long a processed message id is remembered, in ms: longer than any redelivery can come (lease × attempts
   * plus backoff, plus the time a dead letter may wait for a redrive). From 60,000 (1 minute) to 315,360,000,000
   * (10 years). Default 7 days.
   */
  retentionMs?: number;
}

/** The message an inbox checks: its id and who consumes it (the queue, for a Nest handler). */
export interface InboxMessage {
  messageId: string;
  consumer: string;
}

export type InboxResult<R> = { processed: true; result: R } | { processed: false };

/**
 * The idempotent inbox: the handler's writes and an inbox row (consumer, message id) commit in one transaction of
 * the service's database. A redelivered message finds its row and is skipped, so its effects happen once per
 * consumer; a handler that throws rolls back both.
 */
export class Inbox<T extends Transaction> {
  readonly retentionMs: number;
  private readonly sql: ServiceStatements;

  constructor(
    private readonly runner: TransactionRunner<T>,
    options: InboxOptions = {},
  ) {
    this.sql = new ServiceStatements(options.schema ?? 'messaging');
    // Bounded above too: a retention of 1e308 ms is an integer, and makes the purge's interval arithmetic fail later.
    this.retentionMs = options.retentionMs === undefined ? 7 * 24 * 60 * 60 * 1000 : options.retentionMs;
    if (!Number.isInteger(this.retentionMs) || this.retentionMs < 60_000 || this.retentionMs > MAX_RETENTION_MS) {
      throw new InvalidArgumentError(`retentionMs must be an integer from 60,000 to ${MAX_RETENTION_MS.toLocaleString('en')}, got ${String(options.retentionMs)}`, {});
    }
  }

  /** An inbox over a `pg` pool: the work gets a pg client inside the transaction. */
  static forPool(pool: pg.Pool, options?: InboxOptions): Inbox<pg.PoolClient> {
    return new Inbox<pg.PoolClient>({ transaction: (work) => inClientTransaction(pool, work) }, options);
  }

  /**
   * Runs `work` once per (consumer, message id): in a transaction with the inbox row, or not at all when the row
   * exists. Accepts a MessagingContext (`ctx`) or a Delivery-like `{ messageId, consumer }`.
   */
  async process<R>(message: InboxMessage | { getMessageId(): string; getQueue(): string }, work: (transaction: T) => Promise<R>): Promise<InboxResult<R>> {
    const { messageId, consumer } = 'getMessageId' in message ? { messageId: message.getMessageId(), consumer: message.getQueue() } : message;
    assertMessageId(messageId);
    assertQueueName(consumer, 'inbox consumer name');
    return this.runner.transaction(async (transaction) => {
      const fresh = await toExecutor(transaction).run(this.sql.insertInbox(consumer, messageId));
      if (fresh.length === 0) return { processed: false } as const;
      return { processed: true, result: await work(transaction) } as const;
    });
  }

  /** Deletes inbox rows older than the retention (up to `limit`); returns how many. Housekeeping runs it. */
  async purge(options: { limit?: number } = {}): Promise<number> {
    if (options.limit !== undefined) assertIntegerInRange('limit', options.limit, 1, 1_000_000);
    const statement = this.sql.purgeInbox(this.retentionMs, options.limit ?? null);
    const [row] = await untraced(() => this.runner.transaction((transaction) => toExecutor(transaction).run<{ n: number }>(statement)));
    return row.n;
  }
}
