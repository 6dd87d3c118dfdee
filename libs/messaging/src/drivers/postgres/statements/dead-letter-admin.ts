import type { SqlStatement } from '../../../postgres/sql-executor.js';
import type { StatementContext } from './statement-context.js';

/** An operator's statements on dead letters: redrive and purge. */
export function deadLetterAdminStatements({ s, channel, named }: StatementContext) {
  /**
   * A condition that is always true but names a table only the admin role may read (dead_letter_events): PostgreSQL
   * checks every table a statement names before it runs any of it, so redrive and purge by a consumer role fail with
   * 42501 and change nothing, although the consumer's DELETE and INSERT (needed to ack and to dead-letter) would
   * otherwise let them through.
   */
  const adminOnly = `NOT EXISTS (SELECT FROM ${s}.dead_letter_events WHERE false)`;
  return {
    /**
     * Moves up to `limit` messages that are not leased, oldest first, from `queue` (a dead-letter queue) back to the
     * queue each one died in (its latest death) or to `target`: attempts start afresh, the death history stays, and
     * they are visible at once. A message whose destination no longer exists stays where it is.
     */
    redrive(queue: string, limit: number, target: string | null): SqlStatement {
      return named(
        'redrive',
        `WITH candidates AS MATERIALIZED (
         SELECT m.id, coalesce($3::text, m.deaths -> 0 ->> 'queue') AS destination
           FROM ${s}.messages m
          WHERE m.queue = $1 AND m.lease_token IS NULL
            AND EXISTS (SELECT 1 FROM ${s}.queues q WHERE q.name = coalesce($3::text, m.deaths -> 0 ->> 'queue'))
          ORDER BY m.visible_at, m.id
          LIMIT $2
          FOR UPDATE SKIP LOCKED
       ),
       moved AS (
         DELETE FROM ${s}.messages m USING candidates c
          WHERE m.id = c.id AND m.queue = $1 AND m.lease_token IS NULL
         RETURNING m.message_id, m.routing_key, m.payload, m.headers, m.published_at, m.last_error, m.deaths, c.destination
       ),
       inserted AS (
         INSERT INTO ${s}.messages (queue, message_id, routing_key, payload, headers, published_at, visible_at, last_error, deaths)
         SELECT destination, message_id, routing_key, payload, headers, published_at, statement_timestamp(), last_error, deaths FROM moved
         RETURNING pg_notify($4, queue)
       )
       SELECT count(*)::int AS moved FROM inserted WHERE ${adminOnly}`,
        [queue, limit, target, channel],
      );
    },

    /** Deletes the messages of a queue that no consumer holds (RabbitMQ's purge); returns how many. */
    purge(queue: string): SqlStatement {
      return {
        text: `WITH gone AS (
                 DELETE FROM ${s}.messages
                  WHERE queue = $1 AND (lease_token IS NULL OR visible_at <= statement_timestamp())
                 RETURNING 1
               )
               SELECT count(*)::int AS n FROM gone WHERE ${adminOnly}`,
        values: [queue],
      };
    },
  };
}

export type DeadLetterAdminStatements = ReturnType<typeof deadLetterAdminStatements>;
