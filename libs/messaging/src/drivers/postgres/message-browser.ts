import type { MessageBrowsing } from '../../driver/operator-methods.js';
import type { BrowseQuery, DeadLetterGroup, MessageDetail, MessagePage, MessageState, MessageSummary } from '../../driver/admin-types.js';
import type { DeathRecord } from '../../message.js';
import type { SqlExecutor } from '../../postgres/sql-executor.js';
import { decodeCursor, encodeCursor, resolveBrowseQuery } from '../../validation/browse-query.js';
import { assertMessageId, assertQueueName } from '../../validation/names.js';
import type { BrokerStatements } from './statements/broker-statements.js';

interface SummaryRow {
  id: string;
  queue: string;
  message_id: string;
  routing_key: string;
  attempts: number;
  published_at: Date;
  visible_at: Date | null;
  last_error: string | null;
  deaths: DeathRecord[] | null;
  payload_bytes: number;
  state: MessageState;
}

const ROW_ID = /^[0-9]{1,19}$/;

function toSummary(row: SummaryRow): MessageSummary {
  return {
    id: row.id,
    queue: row.queue,
    messageId: row.message_id,
    routingKey: row.routing_key,
    state: row.state,
    attempts: row.attempts,
    publishedAt: row.published_at,
    visibleAt: row.visible_at,
    lastError: row.last_error,
    payloadBytes: row.payload_bytes,
    deaths: row.deaths ?? [],
  };
}

/** An operator's reads of a queue's messages, and deleting one; the queue must exist (QueueNotFoundError). */
export class MessageBrowser implements MessageBrowsing {
  constructor(
    private readonly db: SqlExecutor,
    private readonly sql: BrokerStatements,
    private readonly assertQueueExists: (queue: string) => Promise<void>,
  ) {}

  async browseMessages(queue: string, query?: BrowseQuery): Promise<MessagePage> {
    assertQueueName(queue);
    const resolved = resolveBrowseQuery(query);
    const afterId = resolved.cursor === null ? null : decodeCursor(resolved.cursor, ROW_ID);
    const rows = await this.db.run<SummaryRow>(this.sql.browsePage(queue, resolved, afterId));
    if (rows.length === 0) await this.assertQueueExists(queue);
    const page = rows.slice(0, resolved.limit).map(toSummary);
    return { messages: page, nextCursor: rows.length > resolved.limit ? encodeCursor(page[page.length - 1].id) : null };
  }

  async getMessage(queue: string, messageId: string): Promise<MessageDetail | null> {
    assertQueueName(queue);
    assertMessageId(messageId);
    const [row] = await this.db.run<SummaryRow & { headers: Record<string, string>; payload: unknown }>(this.sql.message(queue, messageId));
    if (!row) {
      await this.assertQueueExists(queue);
      return null;
    }
    return { ...toSummary(row), headers: row.headers, payload: row.payload };
  }

  async deleteMessage(queue: string, messageId: string): Promise<boolean> {
    assertQueueName(queue);
    assertMessageId(messageId);
    const [row] = await this.db.run<{ n: number }>(this.sql.deleteMessage(queue, messageId));
    if (row.n === 0) await this.assertQueueExists(queue);
    return row.n > 0;
  }

  async deadLetterGroups(queue?: string): Promise<DeadLetterGroup[]> {
    if (queue !== undefined) assertQueueName(queue);
    const rows = await this.db.run<{
      dead_letter_queue: string;
      source_queue: string;
      reason: DeathRecord['reason'];
      error_type: string;
      count: number;
      oldest: Date;
      newest: Date;
    }>(this.sql.deadLetterGroups(queue ?? null));
    if (rows.length === 0 && queue !== undefined) await this.assertQueueExists(queue);
    return rows.map((r) => ({
      deadLetterQueue: r.dead_letter_queue,
      sourceQueue: r.source_queue,
      reason: r.reason,
      errorType: r.error_type,
      count: r.count,
      oldest: r.oldest,
      newest: r.newest,
    }));
  }
}
