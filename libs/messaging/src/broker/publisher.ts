import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, UnroutableMessageError } from '../errors.js';
import type { BrokerStatements, PublishColumns } from '../sql/broker-statements.js';
import { assertHeaders, assertMessageId, assertRoutingKey } from '../validation/names.js';
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
    const columns = this.toColumns(messages);
    if (messages.length === 0) return { messageIds: [], copies: 0, unroutable: [] };
    const chunks = chunk(columns, MAX_PUBLISH_BATCH);
    const run = async (db: SqlExecutor) => {
      let copies = 0;
      const unroutable: number[] = [];
      for (const [offset, part] of chunks) {
        const [row] = await db.run<{ copies: number; unrouted: number[] }>(this.sql.publish(part, mandatory === 'report'));
        if (row.unrouted.length > 0 && mandatory === 'error') {
          throw new UnroutableMessageError(
            [...new Set(row.unrouted.map((ord) => part.routingKeys[ord - 1]))],
            row.unrouted.map((ord) => part.messageIds[ord - 1]),
          );
        }
        copies += row.copies;
        unroutable.push(...row.unrouted.map((ord) => offset + ord - 1));
      }
      return { messageIds: columns.messageIds, copies, unroutable: unroutable.map((i) => columns.messageIds[i]) };
    };
    if (chunks.length === 1) return run(options.transaction ? toExecutor(options.transaction) : this.ownExecutor);
    // Several statements must store all or nothing: a savepoint inside the caller's transaction, else our own.
    return options.transaction ? withSavepoint(toExecutor(options.transaction), run) : this.runInOwnTransaction(run);
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
