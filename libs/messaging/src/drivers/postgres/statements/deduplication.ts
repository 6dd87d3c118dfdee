import type { SqlStatement } from '../../../postgres/sql-executor.js';
import type { StatementContext } from './statement-context.js';

/** The message ids remembered for publishes with a deduplication window (written by publish). */
export function deduplicationStatements({ s }: StatementContext) {
  return {
    /** Forgets up to `limit` (null: all) message ids whose window is over; SKIP LOCKED, so replicas never wait on each other. */
    purgeExpiredDeduplication(limit: number | null): SqlStatement {
      return {
        text: `WITH doomed AS (
                 SELECT message_id FROM ${s}.deduplication WHERE expires_at <= statement_timestamp()
                  ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
               ),
               gone AS (
                 DELETE FROM ${s}.deduplication d USING doomed x
                  WHERE d.message_id = x.message_id AND d.expires_at <= statement_timestamp() RETURNING 1
               )
               SELECT count(*)::int AS n FROM gone`,
        values: [limit],
      };
    },
  };
}

export type DeduplicationStatements = ReturnType<typeof deduplicationStatements>;
