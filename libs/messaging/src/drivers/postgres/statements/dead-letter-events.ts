import type { SqlStatement } from '../../../postgres/sql-executor.js';
import type { StatementContext } from './statement-context.js';

/** The wake-up payload that announces dead-letter events (no queue name can start with '#'). */
export const DEAD_LETTER_WAKE_UP = '#dead-letters';

/** The dead-letter events the alerter takes, in its own transaction. */
export function deadLetterEventStatements({ s, named }: StatementContext) {
  return {
    /** Locks the oldest dead-letter events (at most 100) for the alerter's transaction. */
    lockDeadLetterEvents(): SqlStatement {
      return named(
        'lock_dead_letter_events',
        `SELECT id, queue, dead_letter_queue, message_id, routing_key, reason, error, occurred_at
           FROM ${s}.dead_letter_events ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED`,
        [],
      );
    },

    /** Deletes events the alerter handled (its transaction holds their locks). */
    deleteDeadLetterEvents(ids: string[]): SqlStatement {
      return named('delete_dead_letter_events', `DELETE FROM ${s}.dead_letter_events WHERE id = ANY($1::bigint[]) RETURNING id`, [ids]);
    },
  };
}

export type DeadLetterEventStatements = ReturnType<typeof deadLetterEventStatements>;
