import type { SqlStatement } from '../../../postgres/sql-executor.js';
import type { StatementContext } from './statement-context.js';

/** Expiring queues (RabbitMQ's x-expires): renewed by their users, deleted by housekeeping once their time passed. */
export function queueExpiryStatements({ s }: StatementContext) {
  return {
    /** Keeps a queue alive until now + ttlMs (the queue must exist). */
    renewQueue(name: string, ttlMs: number): SqlStatement {
      return {
        text: `UPDATE ${s}.queues SET expires_at = statement_timestamp() + make_interval(secs => $2::integer / 1000.0)
                WHERE name = $1 RETURNING name`,
        values: [name, ttlMs],
      };
    },

    /**
     * Deletes the queues whose expiry passed, with their messages and bindings, unless another queue dead-letters
     * into them. Returns their names.
     */
    deleteExpiredQueues(): SqlStatement {
      return {
        text: `WITH expired AS (
                 SELECT q.name FROM ${s}.queues q
                  WHERE q.expires_at < statement_timestamp()
                    AND NOT EXISTS (SELECT 1 FROM ${s}.queues o WHERE o.dead_letter_queue = q.name AND o.name <> q.name)
                    FOR UPDATE SKIP LOCKED
               ),
               messages AS (DELETE FROM ${s}.messages m USING expired e WHERE m.queue = e.name RETURNING 1),
               queues AS (DELETE FROM ${s}.queues q USING expired e WHERE q.name = e.name AND q.expires_at < statement_timestamp() RETURNING q.name)
               SELECT name, (SELECT count(*) FROM messages)::int AS messages FROM queues`,
        values: [],
      };
    },
  };
}

export type QueueExpiryStatements = ReturnType<typeof queueExpiryStatements>;
