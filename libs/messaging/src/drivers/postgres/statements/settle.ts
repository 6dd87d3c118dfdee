import type { SqlStatement } from '../../../postgres/sql-executor.js';
import { MAX_ERROR_TEXT } from '../../../limits.js';
import { deadLetterMove } from './fragments.js';
import type { StatementContext } from './statement-context.js';

export interface NackColumns {
  ids: string[];
  tokens: string[];
  errors: (string | null)[];
  delaysMs: (number | null)[];
  deliverAts: (Date | null)[];
  rejects: boolean[];
}

/** Ack, nack, lease extension and release: each fenced by the lease token, one statement per batch. */
export function settleStatements(ctx: StatementContext) {
  const { s, channel, named } = ctx;
  const reason = `CASE WHEN e.reject THEN 'rejected' ELSE 'delivery_limit' END`;
  const deadLetterFailed = deadLetterMove(ctx, { queue: 'e.queue', reason, lastError: `left(e.error, ${MAX_ERROR_TEXT})`, error: 'e.error', channel: '$7' });
  return {
    /** Deletes the messages whose lease token still matches; the ids returned are the ones acked. */
    ack(ids: string[], tokens: string[]): SqlStatement {
      return named(
        'ack',
        `DELETE FROM ${s}.messages m
        USING unnest($1::bigint[], $2::uuid[]) AS t(id, token)
        WHERE m.id = t.id AND m.lease_token = t.token
       RETURNING m.id, m.queue`,
        [ids, tokens],
      );
    },

    /**
     * Settles failed deliveries whose lease token still matches: retry after the given delay or the queue's backoff,
     * or, on the last attempt or when rejected, move to the dead-letter queue (dropped when the queue has none) in
     * this same statement, with the death history. Returns each settled id with its outcome.
     */
    nack(batch: NackColumns): SqlStatement {
      return named(
        'nack',
        `WITH input AS (
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::integer[], $5::timestamptz[], $6::boolean[])
                AS t(id, token, error, delay_ms, deliver_at, reject)
       ),
       target AS MATERIALIZED (
         SELECT m.id, t.error, t.delay_ms, t.deliver_at, t.reject, q.max_attempts, q.retry_base_ms, q.retry_max_ms, q.retry_jitter, q.dead_letter_queue
           FROM ${s}.messages m
           JOIN input t ON m.id = t.id AND m.lease_token = t.token
           JOIN ${s}.queues q ON q.name = m.queue
            FOR UPDATE OF m
       ),
       retried AS (
         UPDATE ${s}.messages m
            SET lease_token = NULL,
                last_error = left(t.error, ${MAX_ERROR_TEXT}),
                visible_at = coalesce(t.deliver_at,
                                      statement_timestamp()
                                      + coalesce(make_interval(secs => t.delay_ms / 1000.0),
                                                 ${s}.retry_delay(m.attempts, t.retry_base_ms, t.retry_max_ms, t.retry_jitter)))
           FROM target t
          WHERE m.id = t.id AND m.lease_token IS NOT NULL AND NOT t.reject AND m.attempts < t.max_attempts
         RETURNING m.id, m.queue, 'retried'::text AS outcome
       ),
       exhausted AS (
         DELETE FROM ${s}.messages m USING target t
          WHERE m.id = t.id AND m.lease_token IS NOT NULL AND (t.reject OR m.attempts >= t.max_attempts)
         RETURNING m.id, m.queue, m.message_id, m.routing_key, m.payload, m.headers, m.published_at, m.deaths,
                   t.error, t.reject, t.dead_letter_queue
       ),
       ${deadLetterFailed}
       SELECT id, queue, outcome FROM retried
       UNION ALL
       SELECT id, queue, CASE WHEN dead_letter_queue IS NULL THEN 'dropped' ELSE 'dead_lettered' END FROM exhausted`,
        [batch.ids, batch.tokens, batch.errors, batch.delaysMs, batch.deliverAts, batch.rejects, channel],
      );
    },

    /** Moves the lease expiry to now + leaseMs for the messages whose token still matches (SQS ChangeMessageVisibility). */
    extendLease(ids: string[], tokens: string[], leaseMs: number): SqlStatement {
      return named(
        'extend',
        `UPDATE ${s}.messages m
          SET visible_at = statement_timestamp() + make_interval(secs => $3::integer / 1000.0)
         FROM unnest($1::bigint[], $2::uuid[]) AS t(id, token)
        WHERE m.id = t.id AND m.lease_token = t.token
       RETURNING m.id, m.visible_at AS lease_expires_at`,
        [ids, tokens, leaseMs],
      );
    },

    /**
     * Gives leased messages back, visible now. `refund` un-counts the attempt of a message whose handler never started
     * (prefetched when the consumer stopped).
     */
    release(ids: string[], tokens: string[], refunds: boolean[]): SqlStatement {
      return named(
        'release',
        `UPDATE ${s}.messages m
          SET lease_token = NULL, visible_at = statement_timestamp(), attempts = m.attempts - CASE WHEN t.refund THEN 1 ELSE 0 END
         FROM unnest($1::bigint[], $2::uuid[], $3::boolean[]) AS t(id, token, refund)
        WHERE m.id = t.id AND m.lease_token = t.token
       RETURNING m.id, pg_notify($4, m.queue)`,
        [ids, tokens, refunds, channel],
      );
    },
  };
}

export type SettleStatements = ReturnType<typeof settleStatements>;
