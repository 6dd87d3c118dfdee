import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, QueueNotFoundError, UnroutableMessageError } from '../errors.js';
import type { BrokerStatements, PublishColumns } from '../sql/broker-statements.js';
import { assertHeaders, assertMessageId, assertQueueName, assertRoutingKey } from '../validation/names.js';
import { serializePayload } from '../validation/payload.js';
import type { OutgoingMessage } from './message.js';
import { toExecutor, type SqlExecutor, type Transaction } from './sql-executor.js';

export interface PublishOptions {
  /** Publish inside this transaction (a `pg` client after BEGIN, a TypeORM EntityManager or QueryRunner). */
  transaction?: Transaction;
  /**
   * What an unroutable message (no binding matches) does. 'error' (default): throw UnroutableMessageError and store
   * nothing of this call. 'report': store the routable messages and list the others in the result.
   */
  mandatory?: 'error' | 'report';
}

export interface PublishResult {
  /** The ids of the messages, in the order given. */
  messageIds: string[];
  /** Copies stored, over all queues. */
  copies: number;
  /** Ids of the messages no binding matched (only with mandatory: 'report'). */
  unroutable: string[];
}

const MAX_DELAY_MS = 7 * 24 * 60 * 60 * 1000;
/** Messages per publish statement: unnest arrays keep one round trip per batch; larger calls are split. */
export const MAX_PUBLISH_BATCH = 5000;

/** Validates messages, then routes and stores them in one statement per batch. */
export class Publisher {
  constructor(
    private readonly sql: BrokerStatements,
    private readonly ownExecutor: SqlExecutor,
    private readonly runInOwnTransaction: <T>(work: (db: SqlExecutor) => Promise<T>) => Promise<T>,
    private readonly maxPayloadBytes: number,
  ) {}

  async publish(messages: readonly OutgoingMessage[], options: PublishOptions = {}): Promise<PublishResult> {
    const mandatory = options.mandatory ?? 'error';
    if (mandatory !== 'error' && mandatory !== 'report') {
      throw new InvalidArgumentError(`mandatory must be 'error' or 'report', got ${String(mandatory)}`, {});
    }
    return this.store(messages, options.transaction, async (db, part, offset) => {
      const [row] = await db.run<{ copies: number; unrouted: number[] }>(this.sql.publish(part, mandatory === 'report'));
      if (row.unrouted.length > 0 && mandatory === 'error') {
        throw new UnroutableMessageError(
          [...new Set(row.unrouted.map((ord) => part.routingKeys[ord - 1]))],
          row.unrouted.map((ord) => part.messageIds[ord - 1]),
        );
      }
      return { copies: row.copies, unroutable: row.unrouted.map((ord) => offset + ord - 1) };
    });
  }

  /** Stores messages straight into `queue`, bypassing the bindings; throws QueueNotFoundError if it does not exist. */
  async publishToQueue(queue: string, messages: readonly OutgoingMessage[], options: Pick<PublishOptions, 'transaction'> = {}): Promise<PublishResult> {
    assertQueueName(queue);
    return this.store(messages, options.transaction, async (db, part) => {
      const [row] = await db.run<{ copies: number; found: number }>(this.sql.publishToQueue(queue, part));
      if (row.found === 0) throw new QueueNotFoundError(queue);
      return { copies: row.copies, unroutable: [] };
    });
  }

  /**
   * Validates the whole call first, then runs one statement per chunk: alone when there is one chunk, else all
   * or nothing (a savepoint in the caller's transaction, or a transaction of our own).
   */
  private async store(
    messages: readonly OutgoingMessage[],
    transaction: Transaction | undefined,
    storeChunk: (db: SqlExecutor, part: PublishColumns, offset: number) => Promise<{ copies: number; unroutable: number[] }>,
  ): Promise<PublishResult> {
    const columns = this.toColumns(messages);
    if (messages.length === 0) return { messageIds: [], copies: 0, unroutable: [] };
    const chunks = chunk(columns, MAX_PUBLISH_BATCH);
    const run = async (db: SqlExecutor): Promise<PublishResult> => {
      let copies = 0;
      const unroutable: string[] = [];
      for (const [offset, part] of chunks) {
        const result = await storeChunk(db, part, offset);
        copies += result.copies;
        unroutable.push(...result.unroutable.map((i) => columns.messageIds[i]));
      }
      return { messageIds: columns.messageIds, copies, unroutable };
    };
    if (chunks.length === 1) return run(transaction ? toExecutor(transaction) : this.ownExecutor);
    return transaction ? withSavepoint(toExecutor(transaction), run) : this.runInOwnTransaction(run);
  }

  private toColumns(messages: readonly OutgoingMessage[]): PublishColumns {
    if (!Array.isArray(messages)) throw new InvalidArgumentError('publish expects a message or an array of messages', {});
    const columns: PublishColumns = { messageIds: [], routingKeys: [], payloads: [], headers: [], delaysMs: [] };
    for (const message of messages) {
      if (message === null || typeof message !== 'object') throw new InvalidArgumentError('A message must be an object', {});
      const { routingKey, payload, messageId = randomUUID(), headers = {}, delayMs } = message;
      assertRoutingKey(routingKey);
      assertMessageId(messageId);
      assertHeaders(headers);
      if (delayMs !== undefined && (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS)) {
        throw new InvalidArgumentError(`delayMs must be an integer from 0 to ${MAX_DELAY_MS}, got ${String(delayMs)}`, { messageId });
      }
      columns.messageIds.push(messageId);
      columns.routingKeys.push(routingKey);
      columns.payloads.push(serializePayload(payload, this.maxPayloadBytes));
      columns.headers.push(JSON.stringify(headers));
      columns.delaysMs.push(delayMs ?? null);
    }
    return columns;
  }
}

async function withSavepoint<T>(db: SqlExecutor, work: (db: SqlExecutor) => Promise<T>): Promise<T> {
  await db.run({ text: 'SAVEPOINT pg_messaging_publish', values: [] });
  try {
    const result = await work(db);
    await db.run({ text: 'RELEASE SAVEPOINT pg_messaging_publish', values: [] });
    return result;
  } catch (error) {
    await db.run({ text: 'ROLLBACK TO SAVEPOINT pg_messaging_publish', values: [] });
    throw error;
  }
}

function chunk(columns: PublishColumns, size: number): [number, PublishColumns][] {
  const parts: [number, PublishColumns][] = [];
  for (let offset = 0; offset < columns.messageIds.length; offset += size) {
    const slice = <T>(values: T[]) => values.slice(offset, offset + size);
    parts.push([
      offset,
      {
        messageIds: slice(columns.messageIds),
        routingKeys: slice(columns.routingKeys),
        payloads: slice(columns.payloads),
        headers: slice(columns.headers),
        delaysMs: slice(columns.delaysMs),
      },
    ]);
  }
  return parts;
}
