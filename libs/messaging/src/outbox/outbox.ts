import { InvalidArgumentError } from '../errors.js';
import type { OutgoingMessage } from '../message.js';
import { chunkColumns, MAX_PUBLISH_BATCH, MESSAGE_FIELDS, messageColumns } from '../core/message-columns.js';
import { toExecutor, withSavepoint, type Transaction } from '../postgres/sql-executor.js';
import { ServiceStatements, type OutboxColumns } from '../postgres/service-statements.js';
import { withSendSpan } from '../telemetry/messaging-spans.js';
import { assertKnownFields } from '../validation/fields.js';
import { assertRoutingKey } from '../validation/names.js';
import { assertIntegerInRange } from '../validation/numbers.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES_LIMIT } from '../validation/payload.js';

/** A message for the outbox: a broker message, plus an optional key whose messages the relay sends in order. */
export interface OutboxMessage<T = unknown> extends OutgoingMessage<T> {
  /** Messages with the same key reach the broker in the order they were written (e.g. the order id). */
  orderingKey?: string;
}

const OUTBOX_MESSAGE_FIELDS: ReadonlySet<string> = new Set([...MESSAGE_FIELDS, 'orderingKey']);
const OUTBOX_PUBLISH_OPTIONS: ReadonlySet<string> = new Set(['transaction']);

export interface OutboxOptions {
  /** Schema of the service's outbox and inbox tables (migrate it with migrateDatabase(url, schema, SERVICE_MIGRATIONS)). Default 'messaging'. */
  schema?: string;
  /** Largest payload, in bytes of UTF-8 JSON, from 1 to 67,108,864. Default 262,144. */
  maxPayloadBytes?: number;
}

/**
 * The transactional outbox: `publish` writes messages into the service's own database inside the caller's business
 * transaction, so they exist exactly when the business data does. An OutboxRelay moves them to the broker.
 */
export class Outbox {
  readonly schema: string;
  private readonly sql: ServiceStatements;
  private readonly maxPayloadBytes: number;

  constructor(options: OutboxOptions = {}) {
    this.schema = options.schema ?? 'messaging';
    this.sql = new ServiceStatements(this.schema);
    // The broker's own limit and range: NaN would otherwise switch the size check off.
    this.maxPayloadBytes = options.maxPayloadBytes === undefined ? DEFAULT_MAX_PAYLOAD_BYTES : assertIntegerInRange('maxPayloadBytes', options.maxPayloadBytes, 1, MAX_PAYLOAD_BYTES_LIMIT);
  }

  /** Writes the messages in `transaction` (a pg client after BEGIN, or a TypeORM EntityManager / QueryRunner). */
  async publish(messages: OutboxMessage | readonly OutboxMessage[], options: { transaction: Transaction }): Promise<{ messageIds: string[] }> {
    if (!options?.transaction) throw new InvalidArgumentError('Outbox.publish needs the business transaction: { transaction }', {});
    assertKnownFields(options, OUTBOX_PUBLISH_OPTIONS, 'the Outbox.publish options');
    const batch = Array.isArray(messages) ? messages : [messages as OutboxMessage];
    // The producer span is the business transaction's: its context is stored with the message and travels on.
    return withSendSpan(batch, undefined, async (stamped) => {
      const columns: OutboxColumns = {
        ...messageColumns(stamped, this.maxPayloadBytes, OUTBOX_MESSAGE_FIELDS),
        orderingKeys: stamped.map((m) => orderingKeyOf(m as OutboxMessage)),
      };
      const db = toExecutor(options.transaction);
      const chunks = chunkColumns(columns, MAX_PUBLISH_BATCH);
      const write = async () => {
        for (const [, part] of chunks) await db.run(this.sql.insertOutbox(part));
      };
      if (chunks.length === 1) await write();
      else await withSavepoint(db, write);
      return { messageIds: columns.messageIds };
    });
  }
}

function orderingKeyOf(message: OutboxMessage): string | null {
  if (message.orderingKey === undefined) return null;
  try {
    assertRoutingKey(message.orderingKey);
  } catch {
    const shown = typeof message.orderingKey === 'string' ? JSON.stringify(message.orderingKey.slice(0, 80)) : typeof message.orderingKey;
    throw new InvalidArgumentError(`Invalid orderingKey ${shown}: use a string of up to 255 bytes, as a routing key`, {});
  }
  return message.orderingKey;
}
