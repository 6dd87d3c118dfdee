import pg from 'pg';
import { BackgroundLoop } from '../core/background-loop.js';
import type { MessageBroker } from '../driver/message-broker.js';
import { consoleLogger, type BrokerLogger } from '../core/logger.js';
import { ERROR_LISTENING_POOL, inTransaction, type SqlExecutor } from '../postgres/sql-executor.js';
import { WakeUpListener } from '../postgres/wake-up-listener.js';
import { assertIntegerInRange } from '../validation/numbers.js';
import { errorText } from '../core/error-text.js';
import { ServiceStatements, type OutboxRow } from '../postgres/service-statements.js';
import { startRelaySpan, untraced } from '../telemetry/messaging-spans.js';

export interface OutboxRelayOptions {
  /** The service's database (where the outbox is): a pool, or a URL. */
  database: pg.Pool | string;
  /** Connections of the pool the relay creates when `database` is a URL. Default 2. */
  poolSize?: number;
  /** Schema of the outbox. Default 'messaging'. */
  schema?: string;
  /** The broker to move messages to (it may live in another database). */
  broker: MessageBroker;
  /** Rows per round. Default 200. */
  batchSize?: number;
  /** Poll this often while idle, in ms; NOTIFY wakes it sooner. Default 1,000. */
  pollIntervalMs?: number;
  /** Wake up on NOTIFY from outbox writes. Default true. */
  listen?: boolean;
  /**
   * How long the broker remembers a relayed message id to drop a resend, in ms. Must exceed the time between a
   * relay crash after sending and the resend. Default 1 hour.
   */
  deduplicationWindowMs?: number;
  logger?: BrokerLogger;
  /**
   * Observer: runs with a batch's message ids after the broker accepted it and before its outbox rows are deleted
   * (metrics, audit, and fault tests that watch that window from outside). Awaited; if it throws, the round rolls
   * back and the rows are sent again, and the broker drops the resend within deduplicationWindowMs.
   */
  afterSend?: (messageIds: string[]) => void | Promise<void>;
}

/**
 * Moves outbox rows to the broker. Each round is one transaction on the service database: lock due rows with
 * SKIP LOCKED (several relays share the work), publish them to the broker with a deduplication window, delete
 * them, commit. A crash after the broker accepted a batch and before the commit leaves the rows, so they are
 * sent again, and the broker drops them as duplicates: consumers see each message once.
 */
export class OutboxRelay {
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly sql: ServiceStatements;
  private readonly listener: WakeUpListener | null;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly deduplicationWindowMs: number;
  private readonly logger: BrokerLogger;
  private readonly loop: BackgroundLoop;
  private started = false;
  /** Messages handed to the broker so far. */
  relayed = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.ownsPool = typeof options.database === 'string';
    this.logger = options.logger ?? consoleLogger;
    this.pool = typeof options.database === 'string' ? new pg.Pool({ ...ERROR_LISTENING_POOL, connectionString: options.database, max: assertIntegerInRange('poolSize', options.poolSize ?? 2, 1, 1000) }) : options.database;
    // An idle connection the server drops (restart, admin, timeout) makes the pool emit 'error'; unheard, that ends
    // the process. Listen unless the owner of the pool already does.
    if (this.pool.listenerCount('error') === 0) this.pool.on('error', (error) => this.logger.warn('Idle outbox connection failed', error));
    const schema = options.schema ?? 'messaging';
    this.sql = new ServiceStatements(schema);
    this.batchSize = options.batchSize ?? 200;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.deduplicationWindowMs = options.deduplicationWindowMs ?? 60 * 60 * 1000;
    assertIntegerInRange('batchSize', this.batchSize, 1, 5000);
    assertIntegerInRange('pollIntervalMs', this.pollIntervalMs, 1, 86_400_000);
    assertIntegerInRange('deduplicationWindowMs', this.deduplicationWindowMs, 1, 7 * 86_400_000);
    this.listener = options.listen === false ? null : new WakeUpListener(this.pool.options as pg.ClientConfig, this.sql.outboxChannel, this.logger);
    this.loop = new BackgroundLoop({
      name: 'Outbox relay',
      intervalMs: this.pollIntervalMs,
      round: async () => (await this.relayOnce()) >= this.batchSize,
      backoffMs: 200,
      maxBackoffMs: 5_000,
      logger: this.logger,
    });
  }

  /** Starts relaying; resolves once it listens for outbox writes. */
  async start(): Promise<this> {
    if (this.started) return this;
    this.started = true;
    await this.listener?.subscribe('outbox', () => this.wake());
    this.loop.start();
    return this;
  }

  /** Stops after the round in progress. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.listener?.close();
    if (this.ownsPool) await this.pool.end();
  }

  /** Runs one round: relays up to batchSize rows; returns how many left the outbox. */
  relayOnce(): Promise<number> {
    return untraced(() => inTransaction(this.pool, (db) => this.relayBatch(db)));
  }

  wake(): void {
    this.loop.wake();
  }

  private async relayBatch(db: SqlExecutor): Promise<number> {
    const rows = await db.run<OutboxRow>(this.sql.claimOutbox(this.batchSize));
    if (rows.length === 0) return 0;
    const spans = rows.map((row) => startRelaySpan({ messageId: row.message_id, routingKey: row.routing_key, headers: row.headers }));
    let result;
    try {
      result = await this.options.broker.publish(
        rows.map((row, i) => ({
          messageId: row.message_id,
          routingKey: row.routing_key,
          payload: row.payload,
          headers: spans[i].headers,
          ...(row.delay_ms === null ? {} : { delayMs: row.delay_ms }),
          ...(row.deliver_at === null ? {} : { deliverAt: row.deliver_at }),
        })),
        // Without a broker-side window (RabbitMQ) a resend after a crash is delivered again and the consumers' inbox drops it.
        { mandatory: 'report', ...(this.options.broker.capabilities.deduplicationWindow ? { deduplicationWindowMs: this.deduplicationWindowMs } : {}) },
      );
    } catch (error) {
      // The broker refused the whole batch (it is down, or a message is invalid there): back off all of it.
      for (const span of spans) span.end(error);
      await db.run(this.sql.deferOutbox(rows.map((r) => r.id), errorText(error) ?? 'publish failed'));
      throw error;
    }
    const unroutable = new Set(result.unroutable);
    rows.forEach((row, i) => spans[i].end(unroutable.has(row.message_id) ? new Error('no queue is bound to the routing key') : undefined));
    await this.options.afterSend?.(rows.map((r) => r.message_id));
    const refused = rows.filter((r) => unroutable.has(r.message_id));
    const sent = rows.filter((r) => !unroutable.has(r.message_id));
    if (refused.length > 0) {
      this.logger.warn(`Outbox: ${refused.length} message(s) match no binding; retrying later: ${[...unroutable].join(', ')}`);
      await db.run(this.sql.deferOutbox(refused.map((r) => r.id), 'no queue is bound to the routing key'));
    }
    if (sent.length > 0) await db.run(this.sql.deleteOutbox(sent.map((r) => r.id)));
    this.relayed += sent.length;
    return sent.length;
  }
}
