import type { SqlStatement } from '../../../postgres/sql-executor.js';
import type { StatementContext } from './statement-context.js';

/** Activity is counted in buckets of this many seconds (a window is read to within one bucket). */
export const ACTIVITY_BUCKET_SECONDS = 10;
/** The wake-up sent when a queue is paused or resumed. */
export const PAUSE_WAKE_UP = '#paused';

/** Per-queue counts of one process since its last flush, as columns. */
export interface ActivityColumns {
  queues: string[];
  published: number[];
  delivered: number[];
  acked: number[];
  deadLettered: number[];
}

/** Pause, consumer presence and activity: what operators read about every process. */
export function operationsStatements({ s, channel }: StatementContext) {
  return {
    /** Pauses a queue that is not paused; `found` says whether the queue exists. */
    pauseQueue(queue: string): SqlStatement {
      return {
        text: `WITH q AS (SELECT name FROM ${s}.queues WHERE name = $1),
               changed AS (
                 UPDATE ${s}.queues SET paused_at = statement_timestamp() WHERE name = $1 AND paused_at IS NULL
                 RETURNING pg_notify($2, '${PAUSE_WAKE_UP}')
               )
               SELECT (SELECT count(*) FROM q)::int AS found, (SELECT count(*) FROM changed)::int AS changed`,
        values: [queue, channel],
      };
    },

    /** Resumes a paused queue and wakes its consumers (they may be idle until their next poll otherwise). */
    resumeQueue(queue: string): SqlStatement {
      return {
        text: `WITH q AS (SELECT name FROM ${s}.queues WHERE name = $1),
               changed AS (
                 UPDATE ${s}.queues SET paused_at = NULL WHERE name = $1 AND paused_at IS NOT NULL
                 RETURNING pg_notify($2, '${PAUSE_WAKE_UP}'), pg_notify($2, name)
               )
               SELECT (SELECT count(*) FROM q)::int AS found, (SELECT count(*) FROM changed)::int AS changed`,
        values: [queue, channel],
      };
    },

    pausedQueues(): SqlStatement {
      return { text: `SELECT name FROM ${s}.queues WHERE paused_at IS NOT NULL ORDER BY name`, values: [] };
    },

    /** This process's consumers per queue, valid for `ttlMs`; its rows of queues it no longer consumes go. */
    refreshPresence(brokerId: string, queues: string[], consumers: number[], ttlMs: number): SqlStatement {
      return {
        text: `WITH upserted AS (
                 INSERT INTO ${s}.consumer_presence AS p (broker_id, queue, consumers, expires_at)
                 SELECT $1, i.queue, i.consumers, statement_timestamp() + make_interval(secs => $4::integer / 1000.0)
                   FROM unnest($2::text[], $3::integer[]) AS i(queue, consumers)
                 ON CONFLICT (broker_id, queue) DO UPDATE SET consumers = EXCLUDED.consumers, expires_at = EXCLUDED.expires_at
                 RETURNING 1
               ),
               gone AS (
                 DELETE FROM ${s}.consumer_presence p WHERE p.broker_id = $1 AND p.queue <> ALL ($2::text[])
                 RETURNING 1
               )
               SELECT (SELECT count(*) FROM upserted)::int AS upserted, (SELECT count(*) FROM gone)::int AS gone`,
        values: [brokerId, queues, consumers, ttlMs],
      };
    },

    /** Consumers per queue over every process whose presence has not expired; every queue, 0 included. */
    consumerCounts(): SqlStatement {
      return {
        text: `SELECT q.name AS queue, coalesce(sum(p.consumers) FILTER (WHERE p.expires_at > statement_timestamp()), 0)::int AS consumers
                 FROM ${s}.queues q LEFT JOIN ${s}.consumer_presence p ON p.queue = q.name
                GROUP BY q.name ORDER BY q.name`,
        values: [],
      };
    },

    /** Adds one process's counts to the current bucket of each queue. */
    addActivity(counts: ActivityColumns): SqlStatement {
      return {
        text: `INSERT INTO ${s}.queue_activity AS a (queue, bucket, published, delivered, acked, dead_lettered)
               SELECT i.queue, to_timestamp(floor(extract(epoch FROM statement_timestamp()) / ${ACTIVITY_BUCKET_SECONDS}) * ${ACTIVITY_BUCKET_SECONDS}),
                      i.published, i.delivered, i.acked, i.dead_lettered
                 FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS i(queue, published, delivered, acked, dead_lettered)
               ON CONFLICT (queue, bucket) DO UPDATE
                  SET published = a.published + EXCLUDED.published, delivered = a.delivered + EXCLUDED.delivered,
                      acked = a.acked + EXCLUDED.acked, dead_lettered = a.dead_lettered + EXCLUDED.dead_lettered`,
        values: [counts.queues, counts.published, counts.delivered, counts.acked, counts.deadLettered],
      };
    },

    /** Counts per queue over the buckets that overlap the last `sinceMs`. */
    activity(sinceMs: number): SqlStatement {
      return {
        text: `SELECT queue, sum(published)::float8 AS published, sum(delivered)::float8 AS delivered,
                      sum(acked)::float8 AS acked, sum(dead_lettered)::float8 AS dead_lettered
                 FROM ${s}.queue_activity
                WHERE bucket > statement_timestamp() - make_interval(secs => $1::float8 / 1000.0 + ${ACTIVITY_BUCKET_SECONDS})
                GROUP BY queue ORDER BY queue`,
        values: [sinceMs],
      };
    },

    /** Deletes up to `limit` activity buckets older than `keepMs` and presence rows expired as long ago. */
    pruneActivity(keepMs: number, limit: number): SqlStatement {
      return {
        text: `WITH old AS (
                 DELETE FROM ${s}.queue_activity WHERE ctid IN (
                   SELECT ctid FROM ${s}.queue_activity WHERE bucket < statement_timestamp() - make_interval(secs => $1::float8 / 1000.0) LIMIT $2)
                   AND bucket < statement_timestamp() - make_interval(secs => $1::float8 / 1000.0)
                 RETURNING 1
               ),
               lapsed AS (
                 DELETE FROM ${s}.consumer_presence WHERE expires_at < statement_timestamp() - make_interval(secs => $1::float8 / 1000.0)
                 RETURNING 1
               )
               SELECT ((SELECT count(*) FROM old) + (SELECT count(*) FROM lapsed))::int AS n`,
        values: [keepMs, limit],
      };
    },
  };
}

export type OperationsStatements = ReturnType<typeof operationsStatements>;
