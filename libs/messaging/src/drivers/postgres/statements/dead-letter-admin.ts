import type { SqlStatement } from '../../../postgres/sql-executor.js';
import type { RedriveSelection } from '../../../validation/browse-query.js';
import { filterConditions } from './browse.js';
import { adminOnlyCondition } from './fragments.js';
import type { StatementContext } from './statement-context.js';

/** An operator's statements on dead letters: redrive and purge. */
export function deadLetterAdminStatements({ s, channel, named }: StatementContext) {
  const adminOnly = adminOnlyCondition(s);
  return {
    /**
     * Moves up to `limit` messages that are not leased, oldest first, from `queue` (a dead-letter queue) back to the
     * queue each one died in (its latest death) or to `target`: attempts start afresh, the death history stays, and
     * they are visible at once. A message whose destination no longer exists stays where it is. Only the messages
     * of `selection` move (its ids, its filter).
     */
    redrive(queue: string, limit: number, target: string | null, selection: RedriveSelection): SqlStatement {
      const filter = filterConditions(selection, 6);
      return named(
        'redrive',
        `WITH candidates AS MATERIALIZED (
         SELECT m.id, coalesce($3::text, m.deaths -> 0 ->> 'queue') AS destination
           FROM ${s}.messages m
          WHERE m.queue = $1 AND m.lease_token IS NULL
            AND EXISTS (SELECT 1 FROM ${s}.queues q WHERE q.name = coalesce($3::text, m.deaths -> 0 ->> 'queue'))
            AND ($5::text[] IS NULL OR m.message_id = ANY ($5::text[])) AND ${filter.sql}
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
        [queue, limit, target, channel, selection.messageIds, ...filter.values],
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
