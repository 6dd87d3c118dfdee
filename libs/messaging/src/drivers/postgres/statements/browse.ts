import type { SqlStatement } from '../../../postgres/sql-executor.js';
import type { ResolvedBrowseQuery, ResolvedFilter } from '../../../validation/browse-query.js';
import { ERROR_TYPE_PATTERN } from '../../../driver/error-type.js';
import { adminOnlyCondition } from './fragments.js';
import type { StatementContext } from './statement-context.js';

/** A message's state as operators see it: a row in a dead-letter queue is 'dead' unless someone holds it. */
const STATE = `CASE WHEN m.lease_token IS NOT NULL AND m.visible_at > statement_timestamp() THEN 'leased'
                    WHEN t.is_dead_letter_queue THEN 'dead'
                    WHEN m.visible_at > statement_timestamp() THEN 'delayed'
                    ELSE 'ready' END`;

const SUMMARY_COLUMNS = `m.id, m.queue, m.message_id, m.routing_key, m.attempts, m.published_at, m.last_error, m.deaths,
       CASE WHEN m.lease_token IS NOT NULL OR m.visible_at > statement_timestamp() THEN m.visible_at END AS visible_at,
       octet_length(m.payload::text) AS payload_bytes, ${STATE} AS state`;

/** Whether queue `name` is some queue's dead-letter queue. */
const isDeadLetterQueue = (s: string, name: string) => `EXISTS (SELECT 1 FROM ${s}.queues d WHERE d.dead_letter_queue = ${name})`;

/**
 * The conditions of a dead-letter filter on `m`, with its four values as parameters $first to $first+3: the routing
 * key against the compiled pattern (as publish routes), the last error's text, the latest death's reason and queue.
 */
export function filterConditions(filter: ResolvedFilter, first: number): { sql: string; values: unknown[] } {
  const [key, error, reason, source] = [first, first + 1, first + 2, first + 3].map((n) => `$${n}`);
  return {
    sql: `(${key}::text IS NULL OR (CASE WHEN m.routing_key = '' THEN '' ELSE '.' || m.routing_key END) ~ ${key}::text)
          AND (${error}::text IS NULL OR strpos(lower(coalesce(m.last_error, '')), lower(${error}::text)) > 0)
          AND (${reason}::text IS NULL OR m.deaths -> 0 ->> 'reason' = ${reason}::text)
          AND (${source}::text IS NULL OR m.deaths -> 0 ->> 'queue' = ${source}::text)`,
    values: [filter.routingKeyRegex, filter.errorText, filter.reason, filter.sourceQueue],
  };
}

/** An operator's reads of messages (browse, one message, dead-letter groups) and the deletion of one message. */
export function browseStatements({ s }: StatementContext) {
  return {
    /**
     * One page in arrival order (the row id) from a cursor, `limit + 1` rows so the caller knows whether a page
     * follows. State 'dead' reads the queue's dead-letter queue (the queue itself when it is one). Unnamed: planned
     * with its values at each call.
     */
    browsePage(queue: string, query: ResolvedBrowseQuery, afterId: string | null): SqlStatement {
      const [direction, beyond] = query.order === 'newest' ? ['DESC', '<'] : ['ASC', '>'];
      const filter = filterConditions(query, 5);
      return {
        text: `WITH t AS (
                 SELECT CASE WHEN $2::text = 'dead' AND NOT ${isDeadLetterQueue(s, 'q.name')} THEN q.dead_letter_queue ELSE q.name END AS name
                   FROM ${s}.queues q WHERE q.name = $1
               ),
               target AS (SELECT t.name, ${isDeadLetterQueue(s, 't.name')} AS is_dead_letter_queue FROM t WHERE t.name IS NOT NULL)
               SELECT * FROM (
                 SELECT ${SUMMARY_COLUMNS}
                   FROM ${s}.messages m, target t
                  WHERE m.queue = t.name AND ($3::bigint IS NULL OR m.id ${beyond} $3::bigint) AND ${filter.sql}
               ) x
                WHERE $2::text IS NULL OR x.state = $2::text
                ORDER BY x.id ${direction}
                LIMIT $4`,
        values: [queue, query.state, afterId, query.limit + 1, ...filter.values],
      };
    },

    /** The oldest copy of a message in a queue, with its headers and payload. */
    message(queue: string, messageId: string): SqlStatement {
      return {
        text: `SELECT ${SUMMARY_COLUMNS}, m.headers, m.payload
                 FROM ${s}.messages m, (SELECT ${isDeadLetterQueue(s, '$1::text')} AS is_dead_letter_queue) t
                WHERE m.queue = $1 AND m.message_id = $2
                ORDER BY m.id LIMIT 1`,
        values: [queue, messageId],
      };
    },

    /** Deletes a message's copies in a queue that no consumer holds (a lease that ran out holds nothing). */
    deleteMessage(queue: string, messageId: string): SqlStatement {
      return {
        text: `WITH gone AS (
                 DELETE FROM ${s}.messages
                  WHERE queue = $1 AND message_id = $2 AND (lease_token IS NULL OR visible_at <= statement_timestamp())
                 RETURNING 1
               )
               SELECT count(*)::int AS n FROM gone WHERE ${adminOnlyCondition(s)}`,
        values: [queue, messageId],
      };
    },

    /**
     * Dead letters grouped by dead-letter queue, latest death (queue, reason) and error type (ERROR_TYPE_PATTERN),
     * of every dead-letter queue, or those `queue` names (as the dead-letter queue or as the source queue).
     */
    deadLetterGroups(queue: string | null): SqlStatement {
      return {
        text: `WITH dlq AS (
                 SELECT DISTINCT dead_letter_queue AS name FROM ${s}.queues WHERE dead_letter_queue IS NOT NULL
               )
               SELECT m.queue AS dead_letter_queue,
                      coalesce(m.deaths -> 0 ->> 'queue', '') AS source_queue,
                      coalesce(m.deaths -> 0 ->> 'reason', 'rejected') AS reason,
                      CASE WHEN m.last_error IS NULL THEN 'none' ELSE coalesce(substring(m.last_error FROM $2::text), 'unknown') END AS error_type,
                      count(*)::int AS count,
                      min(coalesce((m.deaths -> 0 ->> 'lastTime')::timestamptz, m.published_at)) AS oldest,
                      max(coalesce((m.deaths -> 0 ->> 'lastTime')::timestamptz, m.published_at)) AS newest
                 FROM ${s}.messages m JOIN dlq ON m.queue = dlq.name
                WHERE $1::text IS NULL OR m.queue = $1::text OR m.deaths -> 0 ->> 'queue' = $1::text
                GROUP BY 1, 2, 3, 4
                ORDER BY 1, 2, 3, 4`,
        values: [queue, ERROR_TYPE_PATTERN],
      };
    },
  };
}

export type BrowseStatements = ReturnType<typeof browseStatements>;
