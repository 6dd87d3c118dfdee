import type { DeadLetterEvent } from '../../driver/dead-letter-event.js';
import { inTransaction } from '../../postgres/sql-executor.js';
import { untraced } from '../../telemetry/messaging-spans.js';
import { assertIntegerInRange } from '../../validation/numbers.js';
import type { BrokerStatements } from './statements/broker-statements.js';
import type pg from 'pg';

interface EventRow {
  id: string;
  queue: string;
  dead_letter_queue: string | null;
  message_id: string;
  routing_key: string;
  reason: DeadLetterEvent['reason'];
  error: string | null;
  occurred_at: Date;
}

/** Events one take locks at most (the statement's LIMIT): a taker that gets a full batch takes again. */
export const DEAD_LETTER_EVENT_BATCH = 100;

/**
 * Takes the dead-letter events the broker recorded in the statements that moved the messages: locks up to `limit`
 * (SKIP LOCKED, so several takers share them), runs `work`, and deletes them in the same transaction only when
 * `work` succeeds. The transaction stays open while `work` runs (the alerter posts its webhook then): a crash
 * repeats an event at worst, never loses one.
 */
export function takeDeadLetterEvents(
  pool: pg.Pool,
  sql: BrokerStatements,
  limit: number,
  work: (events: DeadLetterEvent[]) => Promise<void>,
): Promise<number> {
  assertIntegerInRange('limit', limit, 1, Number.MAX_SAFE_INTEGER);
  return untraced(() =>
    inTransaction(pool, async (db) => {
      const rows = (await db.run<EventRow>(sql.lockDeadLetterEvents())).slice(0, limit);
      if (rows.length === 0) return 0;
      await work(rows.map(toEvent));
      await db.run(sql.deleteDeadLetterEvents(rows.map((r) => r.id)));
      return rows.length;
    }),
  );
}

function toEvent(row: EventRow): DeadLetterEvent {
  return {
    queue: row.queue,
    deadLetterQueue: row.dead_letter_queue,
    messageId: row.message_id,
    routingKey: row.routing_key,
    reason: row.reason,
    error: row.error,
    occurredAt: row.occurred_at,
  };
}
