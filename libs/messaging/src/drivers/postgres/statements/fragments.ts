// CTE blocks that more than one statement needs, written once. Each renders SQL text only; the statement that
// uses one passes the parameter numbers and expressions that differ.
import type { PublishColumns } from '../../../core/publish-columns.js';
import { MAX_ERROR_TEXT } from '../../../limits.js';
import { DEAD_LETTER_WAKE_UP } from './dead-letter-events.js';
import type { StatementContext } from './statement-context.js';

/** The `input` CTE of a publish: the batch's columns ($1 to $6, see publishInputValues) as rows numbered by `ord`. */
export const PUBLISH_INPUT = `input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::integer[], $6::timestamptz[]) WITH ORDINALITY
                AS i(message_id, routing_key, payload, headers, delay_ms, deliver_at, ord)
       )`;

/** The values of PUBLISH_INPUT's $1 to $6. */
export function publishInputValues(batch: PublishColumns): unknown[] {
  return [batch.messageIds, batch.routingKeys, batch.payloads, batch.headers, batch.delaysMs, batch.deliverAts];
}

/** Where insertAndNotify takes its rows: `from` joins `input i` to the row's target queue, named by `queue`. */
export interface InsertSource {
  queue: string;
  from: string;
  where?: string;
  orderBy: string;
  /** The parameter holding the wake-up channel, e.g. `$8`. */
  channel: string;
}

/**
 * The `inserted` and `woken` CTEs of a publish: stores each input row in its queue, visible at its `deliver_at`
 * or after its delay, and sends one NOTIFY per queue that got an immediately visible message (PostgreSQL also
 * folds duplicates per transaction). Select INSERTED_COUNTS after it.
 */
export function insertAndNotify({ s }: StatementContext, source: InsertSource): string {
  return `inserted AS (
         INSERT INTO ${s}.messages (queue, message_id, routing_key, payload, headers, published_at, visible_at)
         SELECT ${source.queue}, i.message_id, i.routing_key, i.payload::json, i.headers, statement_timestamp(),
                coalesce(i.deliver_at, statement_timestamp() + make_interval(secs => coalesce(i.delay_ms, 0) / 1000.0))
           FROM ${source.from}
          ${source.where ? `WHERE ${source.where}` : ''}
          ORDER BY ${source.orderBy}
         RETURNING queue, visible_at
       ),
       woken AS (
         SELECT pg_notify(${source.channel}, q.queue) FROM (SELECT DISTINCT queue FROM inserted WHERE visible_at <= statement_timestamp()) q
       )`;
}

/** The `copies`, `notified` and `per_queue` (copies by queue, for the activity counts) columns of a statement that used insertAndNotify. */
export const INSERTED_COUNTS = `(SELECT count(*) FROM inserted)::int AS copies,
              (SELECT count(*) FROM woken)::int AS notified,
              (SELECT coalesce(json_object_agg(c.queue, c.n), '{}') FROM (SELECT queue, count(*) AS n FROM inserted GROUP BY queue) c) AS per_queue`;

/**
 * How the messages of an `exhausted e` CTE died: SQL expressions over `e` and the statement's parameters. `e` has
 * message_id, routing_key, payload, headers, published_at, deaths and dead_letter_queue.
 */
export interface Death {
  /** The queue they died in. */
  queue: string;
  /** 'delivery_limit' or 'rejected'. */
  reason: string;
  /** The moved message's last_error. */
  lastError: string;
  /** The error recorded with the death, in its history and its dead-letter event. */
  error: string;
  /** The parameter holding the wake-up channel, e.g. `$3`. */
  channel: string;
}

/**
 * The `dead_lettered` and `recorded` CTEs: moves the messages of `exhausted e` to their dead-letter queue (those
 * whose queue has none are only recorded), adds the death to their history, records a dead-letter event for the
 * alerter, and wakes the dead-letter queues' consumers and the alerter.
 */
export function deadLetterMove({ s }: StatementContext, death: Death): string {
  return `dead_lettered AS (
         INSERT INTO ${s}.messages (queue, message_id, routing_key, payload, headers, published_at, visible_at, last_error, deaths)
         SELECT e.dead_letter_queue, e.message_id, e.routing_key, e.payload, e.headers, e.published_at, statement_timestamp(),
                ${death.lastError},
                ${s}.record_death(e.deaths, ${death.queue}, ${death.reason}, e.routing_key, ${death.error})
           FROM exhausted e WHERE e.dead_letter_queue IS NOT NULL
         RETURNING pg_notify(${death.channel}, queue)
       ),
       recorded AS (
         INSERT INTO ${s}.dead_letter_events (queue, dead_letter_queue, message_id, routing_key, reason, error)
         SELECT ${death.queue}, e.dead_letter_queue, e.message_id, e.routing_key, ${death.reason}, left(${death.error}, ${MAX_ERROR_TEXT})
           FROM exhausted e
         RETURNING pg_notify(${death.channel}, '${DEAD_LETTER_WAKE_UP}')
       )`;
}

/**
 * A condition that is always true but names a table only the admin role may read (dead_letter_events): PostgreSQL
 * checks every table a statement names before it runs any of it, so an operator's statement (redrive, purge, delete
 * a message) run by a consumer role fails with 42501 and changes nothing, although the consumer's DELETE and INSERT
 * (needed to ack and to dead-letter) would otherwise let it through.
 */
export function adminOnlyCondition(s: string): string {
  return `NOT EXISTS (SELECT FROM ${s}.dead_letter_events WHERE false)`;
}
