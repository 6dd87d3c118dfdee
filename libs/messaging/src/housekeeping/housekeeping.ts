import { BackgroundLoop } from '../core/background-loop.js';
import type { MaintenanceChore, MessageBroker } from '../driver/message-broker.js';
import { consoleLogger, type BrokerLogger } from '../core/logger.js';
import type { Transaction } from '../postgres/sql-executor.js';
import type { Inbox } from '../inbox/inbox.js';
import { assertIntegerInRange } from '../validation/numbers.js';

/** One cleanup job, run every `intervalMs` in batches of up to `limit` (a full batch runs again at once). */
export type Chore = MaintenanceChore;

export interface HousekeepingOptions {
  /** Rows one statement removes at most; a full batch is followed by another at once. Default 10,000. */
  batchSize?: number;
  /** Lines for removed rows (log) and failures (error once, then one on recovery). Default: the console. */
  logger?: BrokerLogger;
}

export interface BrokerHousekeepingOptions extends HousekeepingOptions {
  /** How often message ids past their deduplication window are forgotten, in ms. Default 60,000. */
  deduplicationPurgeIntervalMs?: number;
  /** How often queues past their expiry (lapsed reply queues) are deleted with their messages, in ms. Default 60,000. */
  expiredQueueSweepIntervalMs?: number;
}

export interface InboxHousekeepingOptions extends HousekeepingOptions {
  /** How often inbox rows older than the inbox's retentionMs are deleted, in ms. Default 3,600,000 (1 hour). */
  purgeIntervalMs?: number;
}

export const HOUSEKEEPING_DEFAULTS = {
  batchSize: 10_000,
  deduplicationPurgeIntervalMs: 60_000,
  expiredQueueSweepIntervalMs: 60_000,
  inboxPurgeIntervalMs: 60 * 60 * 1000,
} as const;

const interval = (name: string, value: number) => assertIntegerInRange(name, value, 10, 7 * 24 * 60 * 60 * 1000);

/**
 * The periodic cleanup the broker and the inbox need, one small loop per chore, each with its own interval,
 * backoff and log lines. Every statement re-checks what it deletes and skips rows another replica holds, so any
 * number of replicas may run the same chores. MessagingModule runs the broker's, ServiceDatabaseModule the
 * inbox's; outside Nest: `const housekeeping = Housekeeping.forBroker(broker).start()` and `await
 * housekeeping.stop()` before `broker.close()`.
 */
export class Housekeeping {
  private readonly loops: BackgroundLoop[];
  /** What each chore removed so far, by chore name. */
  readonly removed = new Map<string, number>();

  constructor(chores: readonly Chore[], options: HousekeepingOptions = {}) {
    const batchSize = assertIntegerInRange('batchSize', options.batchSize ?? HOUSEKEEPING_DEFAULTS.batchSize, 1, 1_000_000);
    const logger = options.logger ?? consoleLogger;
    this.loops = chores.map(
      (chore) =>
        new BackgroundLoop({
          name: chore.name,
          intervalMs: interval(`${chore.name} interval`, chore.intervalMs),
          logger,
          round: async () => {
            const n = await chore.run(batchSize);
            if (n > 0) {
              this.removed.set(chore.name, (this.removed.get(chore.name) ?? 0) + n);
              logger.log(`${chore.name}: removed ${n}`);
            }
            return n >= batchSize;
          },
        }),
    );
  }

  /** The broker's chores (PostgreSQL: forget expired deduplication ids, delete expired queues; RabbitMQ: none). */
  static forBroker(broker: MessageBroker, options: BrokerHousekeepingOptions = {}): Housekeeping {
    const chores = broker.maintenanceChores({
      deduplicationPurgeIntervalMs: options.deduplicationPurgeIntervalMs ?? HOUSEKEEPING_DEFAULTS.deduplicationPurgeIntervalMs,
      expiredQueueSweepIntervalMs: options.expiredQueueSweepIntervalMs ?? HOUSEKEEPING_DEFAULTS.expiredQueueSweepIntervalMs,
    });
    return new Housekeeping(chores, options);
  }

  /** A service's chore: delete inbox rows older than the inbox's retention. */
  static forInbox<T extends Transaction>(inbox: Inbox<T>, options: InboxHousekeepingOptions = {}): Housekeeping {
    return new Housekeeping(
      [{ name: 'Inbox purge', intervalMs: options.purgeIntervalMs ?? HOUSEKEEPING_DEFAULTS.inboxPurgeIntervalMs, run: (limit) => inbox.purge({ limit }) }],
      options,
    );
  }

  /** Runs every chore now, then on its interval. */
  start(): this {
    for (const loop of this.loops) loop.start();
    return this;
  }

  /** Stops after the statements in progress. */
  async stop(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }
}
