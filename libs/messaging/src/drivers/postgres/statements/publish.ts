import type { SqlStatement } from '../../../postgres/sql-executor.js';
import type { PublishColumns } from '../../../core/publish-columns.js';
import { INSERTED_COUNTS, insertAndNotify, PUBLISH_INPUT, publishInputValues } from './fragments.js';
import type { StatementContext } from './statement-context.js';

/** The routing form of a key (see topology/topic-matcher.ts): '' for the zero-word key, else '.' || key. */
const ROUTING_FORM = `(CASE WHEN k.routing_key = '' THEN '' ELSE '.' || k.routing_key END)`;

/** Publishing: routed by the bindings, or straight into one queue. */
export function publishStatements(ctx: StatementContext) {
  const { s, channel, named } = ctx;
  return {
    /**
     * Routes and inserts a batch in one statement: one copy per bound queue however many of its bindings match, and
     * one NOTIFY per queue that got an immediately visible message. With allowPartial false, a batch in which any
     * message is unroutable inserts nothing and reports the unroutable ordinals, so the caller can throw without
     * having written anything. With a deduplication window, a message whose id was accepted within the window (or
     * earlier in the batch) is dropped and reported as a duplicate; the id is remembered only if the message was stored.
     */
    publish(batch: PublishColumns, allowPartial: boolean, deduplicationWindowMs: number | null): SqlStatement {
      const dedup = deduplicationWindowMs !== null;
      const accepted = dedup
        ? `fresh AS (
           INSERT INTO ${s}.deduplication AS d (message_id, expires_at)
           SELECT DISTINCT ON (i.message_id) i.message_id, statement_timestamp() + make_interval(secs => $9::integer / 1000.0)
             FROM input i
            WHERE (SELECT ok FROM proceed) AND NOT EXISTS (SELECT 1 FROM unrouted u WHERE u.ord = i.ord)
            ORDER BY i.message_id, i.ord
           ON CONFLICT (message_id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE d.expires_at <= statement_timestamp()
           RETURNING message_id
         ),
         accepted AS (
           SELECT DISTINCT ON (i.message_id) i.ord FROM input i WHERE i.message_id IN (SELECT message_id FROM fresh) ORDER BY i.message_id, i.ord
         )`
        : '';
      const duplicates = dedup
        ? `coalesce((SELECT array_agg(i.ord::int ORDER BY i.ord) FROM input i
                    WHERE (SELECT ok FROM proceed) AND i.ord NOT IN (SELECT ord FROM accepted) AND i.ord NOT IN (SELECT ord FROM unrouted)), '{}')`
        : `'{}'::int[]`;
      const inserted = insertAndNotify(ctx, {
        queue: 'r.queue',
        from: 'routes r JOIN input i USING (ord)',
        where: dedup ? 'r.ord IN (SELECT ord FROM accepted)' : '(SELECT ok FROM proceed)',
        orderBy: 'i.ord, r.queue',
        channel: '$8',
      });
      return named(
        dedup ? 'publish_dedup' : 'publish',
        `WITH ${PUBLISH_INPUT},
       routes AS (
         -- Each distinct key is matched against the bindings once (a batch mostly repeats a few keys).
         SELECT i.ord, kq.queue
           FROM input i
           JOIN (SELECT DISTINCT k.routing_key, b.queue
                   FROM (SELECT DISTINCT routing_key FROM input) k
                   JOIN ${s}.bindings b ON ${ROUTING_FORM} ~ b.pattern_regex) kq
             ON kq.routing_key = i.routing_key
       ),
       unrouted AS (
         SELECT i.ord FROM input i WHERE NOT EXISTS (SELECT 1 FROM routes r WHERE r.ord = i.ord)
       ),
       proceed AS (
         SELECT $7::boolean OR NOT EXISTS (SELECT 1 FROM unrouted) AS ok
       ),
       ${accepted ? `${accepted},` : ''}
       ${inserted}
       SELECT ${INSERTED_COUNTS},
              coalesce((SELECT array_agg(ord::int ORDER BY ord) FROM unrouted), '{}') AS unrouted,
              ${duplicates} AS duplicates`,
        [...publishInputValues(batch), allowPartial, channel, ...(dedup ? [deduplicationWindowMs] : [])],
      );
    },

    /**
     * Stores a batch straight into one queue, bypassing the bindings (RabbitMQ's default exchange): request-reply
     * uses it. Inserts nothing when the queue does not exist (`found` is 0).
     */
    publishToQueue(queue: string, batch: PublishColumns): SqlStatement {
      const inserted = insertAndNotify(ctx, { queue: 't.name', from: 'input i CROSS JOIN target t', orderBy: 'i.ord', channel: '$8' });
      return named(
        'publish_to_queue',
        `WITH ${PUBLISH_INPUT},
       target AS (
         SELECT name FROM ${s}.queues WHERE name = $7
       ),
       ${inserted}
       SELECT ${INSERTED_COUNTS},
              (SELECT count(*) FROM target)::int AS found`,
        [...publishInputValues(batch), queue, channel],
      );
    },
  };
}

export type PublishStatements = ReturnType<typeof publishStatements>;
