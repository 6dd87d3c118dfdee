import type { PublishOptions, PublishResult } from '../../driver/broker-types.js';
export type { PublishOptions, PublishResult } from '../../driver/broker-types.js';
import { InvalidArgumentError, QueueNotFoundError, UnroutableMessageError } from '../../errors.js';
import type { BrokerStatements } from './statements/broker-statements.js';
import type { PublishColumns } from '../../core/publish-columns.js';
import { assertKnownFields } from '../../validation/fields.js';
import { assertQueueName } from '../../validation/names.js';
import { assertIntegerInRange } from '../../validation/numbers.js';
import { MAX_DEDUPLICATION_WINDOW_MS } from '../../limits.js';
import type { OutgoingMessage } from '../../message.js';
import { chunkColumns, MAX_PUBLISH_BATCH, messageColumns } from '../../core/message-columns.js';
import { toExecutor, withSavepoint, type SqlExecutor, type Transaction } from '../../postgres/sql-executor.js';

const PUBLISH_OPTIONS: ReadonlySet<string> = new Set(['transaction', 'mandatory', 'deduplicationWindowMs']);
const PUBLISH_TO_QUEUE_OPTIONS: ReadonlySet<string> = new Set(['transaction']);

/** What a publish does by default: an unroutable message throws UnroutableMessageError; no deduplication. */
export const PUBLISH_DEFAULTS = { mandatory: 'error' } as const;

export { MAX_PUBLISH_BATCH } from '../../core/message-columns.js';

/** Validates messages, then routes and stores them in one statement per batch. */
export class Publisher {
  constructor(
    private readonly sql: BrokerStatements,
    private readonly ownExecutor: SqlExecutor,
    private readonly runInOwnTransaction: <T>(work: (db: SqlExecutor) => Promise<T>) => Promise<T>,
    private readonly maxPayloadBytes: number,
    /** Told of each statement's copies by queue (the activity counts). */
    private readonly stored: (perQueue: Record<string, number>) => void = () => undefined,
  ) {}

  async publish(messages: readonly OutgoingMessage[], options: PublishOptions = {}): Promise<PublishResult> {
    assertKnownFields(options, PUBLISH_OPTIONS, 'the publish options');
    const mandatory = options.mandatory ?? PUBLISH_DEFAULTS.mandatory;
    if (mandatory !== 'error' && mandatory !== 'report') {
      throw new InvalidArgumentError(`mandatory must be 'error' or 'report', got ${String(mandatory)}`, {});
    }
    const given = options.deduplicationWindowMs; // null is refused, not read as "no window"
    const window = given === undefined ? null : assertIntegerInRange('deduplicationWindowMs', given, 1, MAX_DEDUPLICATION_WINDOW_MS);
    return this.store(messages, options.transaction, async (db, part, offset) => {
      const [row] = await db.run<{ copies: number; unrouted: number[]; duplicates: number[]; per_queue: Record<string, number> }>(
        this.sql.publish(part, mandatory === 'report', window),
      );
      this.stored(row.per_queue);
      if (row.unrouted.length > 0 && mandatory === 'error') {
        throw new UnroutableMessageError(
          [...new Set(row.unrouted.map((ord) => part.routingKeys[ord - 1]))],
          row.unrouted.map((ord) => part.messageIds[ord - 1]),
        );
      }
      return { copies: row.copies, unroutable: row.unrouted.map((ord) => offset + ord - 1), duplicates: row.duplicates.map((ord) => offset + ord - 1) };
    });
  }

  /** Stores messages straight into `queue`, bypassing the bindings; throws QueueNotFoundError if it does not exist. */
  async publishToQueue(queue: string, messages: readonly OutgoingMessage[], options: Pick<PublishOptions, 'transaction'> = {}): Promise<PublishResult> {
    assertQueueName(queue);
    assertKnownFields(options, PUBLISH_TO_QUEUE_OPTIONS, 'the publishToQueue options');
    return this.store(messages, options.transaction, async (db, part) => {
      const [row] = await db.run<{ copies: number; found: number; per_queue: Record<string, number> }>(this.sql.publishToQueue(queue, part));
      this.stored(row.per_queue);
      if (row.found === 0) throw new QueueNotFoundError(queue);
      return { copies: row.copies, unroutable: [], duplicates: [] };
    });
  }

  /**
   * Validates the whole call first, then runs one statement per chunk: alone when there is one chunk, else all
   * or nothing (a savepoint in the caller's transaction, or a transaction of our own).
   */
  private async store(
    messages: readonly OutgoingMessage[],
    transaction: Transaction | undefined,
    storeChunk: (db: SqlExecutor, part: PublishColumns, offset: number) => Promise<{ copies: number; unroutable: number[]; duplicates: number[] }>,
  ): Promise<PublishResult> {
    const columns = messageColumns(messages, this.maxPayloadBytes);
    if (messages.length === 0) return { messageIds: [], copies: 0, unroutable: [], duplicates: [] };
    const chunks = chunkColumns(columns, MAX_PUBLISH_BATCH);
    const run = async (db: SqlExecutor): Promise<PublishResult> => {
      let copies = 0;
      const unroutable: string[] = [];
      const duplicates: string[] = [];
      for (const [offset, part] of chunks) {
        const result = await storeChunk(db, part, offset);
        copies += result.copies;
        unroutable.push(...result.unroutable.map((i) => columns.messageIds[i]));
        duplicates.push(...result.duplicates.map((i) => columns.messageIds[i]));
      }
      return { messageIds: columns.messageIds, copies, unroutable, duplicates };
    };
    if (chunks.length === 1) return run(transaction ? toExecutor(transaction) : this.ownExecutor);
    return transaction ? withSavepoint(toExecutor(transaction), run) : this.runInOwnTransaction(run);
  }
}
