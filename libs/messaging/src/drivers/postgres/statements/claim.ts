import type { SqlStatement } from '../../../postgres/sql-executor.js';
import { deadLetterMove } from './fragments.js';
import type { StatementContext } from './statement-context.js';

/** Claim sizes with a statement of their own (a request is rounded down to one of them). */
export const CLAIM_SIZES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] as const;

/** The largest claim size not above `limit` (at least 1). */
export function claimSize(limit: number): number {
  let size: number = CLAIM_SIZES[0];
  for (const candidate of CLAIM_SIZES) if (candidate <= limit) size = candidate;
  return size;
}

/** The error recorded for a message whose last attempt ended with its lease, not with a nack. */
const LEASE_EXPIRED_ERROR = 'the consumer stopped (lease expired) during its last attempt';

/** Claiming: the consumer's hot path. */
export function claimStatements(ctx: StatementContext) {
  const { s, channel, named } = ctx;
  const deadLetterExpired = deadLetterMove(ctx, {
    queue: '$1',
    reason: `'delivery_limit'`,
    lastError: 'e.last_error',
    error: `coalesce(e.last_error, '${LEASE_EXPIRED_ERROR}')`,
    channel: '$3',
  });
  return {
    /**
     * Claims up to `limit` visible messages of one queue under a fresh lease token, counting the attempt now. A visible
     * message that already used its last attempt (its holder died) is moved to the dead-letter queue instead, in the
     * same statement. A paused queue (paused_at set) gives nothing. The MATERIALIZED CTE keeps the LIMIT and the
     * row locks in one place (Oban's "optimization fence").
     *
     * Measured choices (bench, 100k backlog): the LIMIT is a literal, one named statement per size (consumers round
     * to CLAIM_SIZES), so
     * a reused generic plan still walks the index (with `LIMIT $n` it planned a full scan and hash join: 163 ms a
     * claim); rows are updated by ctid (no second index lookup per row); dates come back as epoch ms (parsing them
     * was 4% of a drain). `afterMs` starts the index walk at a cursor: claimed rows leave dead index entries at the
     * head of the range until VACUUM, and walking them made claims slower the longer a backlog drained (1M: 50k/s
     * falling to 26k/s; with the cursor it held 41-43k/s). The consumer goes back to the head regularly.
     */
    claim(queue: string, limit: number, leaseMs: number | null, afterMs: number | null = null): SqlStatement {
      const size = Math.floor(limit);
      const cursor = afterMs === null ? '' : 'AND m.visible_at >= to_timestamp($4::float8 / 1000)';
      return named(
        `claim:${size}${afterMs === null ? '' : ':after'}`,
        `WITH q AS (
         SELECT lease_ms, max_attempts, dead_letter_queue FROM ${s}.queues WHERE name = $1 AND paused_at IS NULL
       ),
       candidates AS MATERIALIZED (
         SELECT m.ctid AS row_ctid, m.id, m.attempts, m.visible_at FROM ${s}.messages m
          WHERE m.queue = $1 AND m.visible_at <= statement_timestamp() ${cursor} AND EXISTS (SELECT FROM q)
          ORDER BY m.visible_at, m.id
          LIMIT ${size}
          FOR UPDATE SKIP LOCKED
       ),
       claimed AS (
         UPDATE ${s}.messages m
            SET attempts = m.attempts + 1,
                lease_token = gen_random_uuid(),
                visible_at = statement_timestamp() + make_interval(secs => coalesce($2::integer, q.lease_ms) / 1000.0)
           FROM candidates c, q
          WHERE m.ctid = c.row_ctid AND m.id = c.id AND c.attempts < q.max_attempts AND m.visible_at <= statement_timestamp()
         RETURNING m.id, m.queue, m.message_id, m.routing_key, m.payload, m.headers,
                   extract(epoch FROM m.published_at)::float8 * 1000 AS published_at,
                   m.attempts, m.lease_token,
                   extract(epoch FROM m.visible_at)::float8 * 1000 AS lease_expires_at,
                   m.last_error, m.deaths,
                   floor(extract(epoch FROM c.visible_at)::float8 * 1000) AS cursor_ms,
                   coalesce($2::integer, q.lease_ms) AS lease_ms
       ),
       exhausted AS (
         DELETE FROM ${s}.messages m
          USING (SELECT c.row_ctid, c.id, q.dead_letter_queue FROM candidates c, q WHERE c.attempts >= q.max_attempts) e
          WHERE m.ctid = e.row_ctid AND m.id = e.id AND m.visible_at <= statement_timestamp()
         RETURNING m.message_id, m.routing_key, m.payload, m.headers, m.published_at, m.last_error, m.deaths, e.dead_letter_queue
       ),
       ${deadLetterExpired}
       SELECT * FROM claimed ORDER BY id`,
        [queue, leaseMs, channel, ...(afterMs === null ? [] : [afterMs])],
      );
    },
  };
}

export type ClaimStatements = ReturnType<typeof claimStatements>;
