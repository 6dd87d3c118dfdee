import type { SqlStatement } from '../../../postgres/sql-executor.js';
import { schemaIdent, channelName } from '../../../postgres/identifiers.js';

/** The columns a consumer receives for a claimed message. */
const DELIVERY_COLUMNS = `m.id, m.queue, m.message_id, m.routing_key, m.payload, m.headers, m.published_at, m.attempts,
       m.lease_token, m.visible_at AS lease_expires_at, m.last_error, m.deaths`;

/** The wake-up payload that announces dead-letter events (no queue name can start with '#'). */
export const DEAD_LETTER_WAKE_UP = '#dead-letters';

/** Claim sizes with a statement of their own (a request is rounded down to one of them). */
export const CLAIM_SIZES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] as const;

/** The largest claim size not above `limit` (at least 1). */
export function claimSize(limit: number): number {
  let size: number = CLAIM_SIZES[0];
  for (const candidate of CLAIM_SIZES) if (candidate <= limit) size = candidate;
  return size;
}

/** The routing form of a key (see topology/topic-matcher.ts): '' for the zero-word key, else '.' || key. */
const ROUTING_FORM = `(CASE WHEN k.routing_key = '' THEN '' ELSE '.' || k.routing_key END)`;

/**
 * Every statement the broker runs on its hot path and for topology, rendered once for one schema. Values are always
 * bind parameters; the schema is a validated, quoted identifier. Statements used per message are named, so pg
 * prepares each once per connection, unless `prepared: false` (PgBouncer in transaction mode: a named statement
 * prepared on one server connection is missing on the next).
 */
export class BrokerStatements {
  private readonly s: string;
  readonly channel: string;
  private readonly prefix: string;

  private readonly prepared: boolean;

  constructor(schema: string, options: { prepared?: boolean } = {}) {
    this.prepared = options.prepared ?? true;
    this.s = schemaIdent(schema);
    this.channel = channelName(schema, 'wake_up');
    this.prefix = `pgm:${schema}:`;
  }

  private named(name: string, text: string, values: unknown[]): SqlStatement {
    return this.prepared ? { name: this.prefix + name, text, values } : { text, values };
  }

  // ---- topology -------------------------------------------------------------------------------------------------

  insertQueue(q: QueueRowInput): SqlStatement {
    return {
      text: `INSERT INTO ${this.s}.queues (name, lease_ms, max_attempts, retry_base_ms, retry_max_ms, retry_jitter, dead_letter_queue)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (name) DO NOTHING
             RETURNING name`,
      values: [q.name, q.leaseMs, q.maxAttempts, q.retryBaseMs, q.retryMaxMs, q.retryJitter, q.deadLetterQueue],
    };
  }

  updateQueue(q: QueueRowInput): SqlStatement {
    return {
      text: `UPDATE ${this.s}.queues
                SET lease_ms = $2, max_attempts = $3, retry_base_ms = $4, retry_max_ms = $5, retry_jitter = $6,
                    dead_letter_queue = $7, updated_at = now()
              WHERE name = $1
             RETURNING name`,
      values: [q.name, q.leaseMs, q.maxAttempts, q.retryBaseMs, q.retryMaxMs, q.retryJitter, q.deadLetterQueue],
    };
  }

  selectQueue(name: string, forUpdate = false): SqlStatement {
    return {
      text: `SELECT name, lease_ms, max_attempts, retry_base_ms, retry_max_ms, retry_jitter, dead_letter_queue, created_at
               FROM ${this.s}.queues WHERE name = $1 ${forUpdate ? 'FOR UPDATE' : ''}`,
      values: [name],
    };
  }

  selectQueues(): SqlStatement {
    return {
      text: `SELECT name, lease_ms, max_attempts, retry_base_ms, retry_max_ms, retry_jitter, dead_letter_queue, created_at
               FROM ${this.s}.queues ORDER BY name`,
      values: [],
    };
  }

  selectQueuesDeadLetteringInto(name: string): SqlStatement {
    return {
      text: `SELECT name FROM ${this.s}.queues WHERE dead_letter_queue = $1 AND name <> $1 ORDER BY name`,
      values: [name],
    };
  }

  insertBinding(queue: string, pattern: string, patternRegex: string): SqlStatement {
    return {
      text: `INSERT INTO ${this.s}.bindings (queue, pattern, pattern_regex)
             SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM ${this.s}.queues WHERE name = $1)
             ON CONFLICT (queue, pattern) DO UPDATE SET pattern_regex = EXCLUDED.pattern_regex
             RETURNING queue`,
      values: [queue, pattern, patternRegex],
    };
  }

  deleteBinding(queue: string, pattern: string): SqlStatement {
    return {
      text: `DELETE FROM ${this.s}.bindings WHERE queue = $1 AND pattern = $2 RETURNING queue`,
      values: [queue, pattern],
    };
  }

  /** Every binding, for listing queues in one round trip. */
  selectAllBindings(): SqlStatement {
    return { text: `SELECT queue, pattern FROM ${this.s}.bindings ORDER BY queue, pattern`, values: [] };
  }

  selectBindings(queue: string): SqlStatement {
    return { text: `SELECT pattern FROM ${this.s}.bindings WHERE queue = $1 ORDER BY pattern`, values: [queue] };
  }

  /** Deletes the queue's messages, then the queue (its bindings cascade); the queue row must still be there. */
  deleteQueue(name: string): SqlStatement {
    return {
      text: `WITH gone AS (DELETE FROM ${this.s}.messages WHERE queue = $1 AND EXISTS (SELECT 1 FROM ${this.s}.queues WHERE name = $1) RETURNING 1),
                  queue AS (DELETE FROM ${this.s}.queues WHERE name = $1 RETURNING name)
             SELECT (SELECT count(*) FROM gone)::int AS messages, (SELECT count(*) FROM queue)::int AS queues`,
      values: [name],
    };
  }

  countMessages(queue: string): SqlStatement {
    return { text: `SELECT count(*)::int AS n FROM ${this.s}.messages WHERE queue = $1`, values: [queue] };
  }

  // ---- publish --------------------------------------------------------------------------------------------------

  /**
   * Routes and inserts a batch in one statement: one copy per bound queue however many of its bindings match, and
   * one NOTIFY per queue that got an immediately visible message (PostgreSQL also folds duplicates per transaction).
   * With allowPartial false, a batch in which any message is unroutable inserts nothing and reports the unroutable
   * ordinals, so the caller can throw without having written anything. With a deduplication window, a message whose
   * id was accepted within the window (or earlier in the batch) is dropped and reported as a duplicate; the id is
   * remembered only if the message was stored.
   */
  publish(batch: PublishColumns, allowPartial: boolean, deduplicationWindowMs: number | null): SqlStatement {
    const dedup = deduplicationWindowMs !== null;
    const accepted = dedup
      ? `fresh AS (
           INSERT INTO ${this.s}.deduplication AS d (message_id, expires_at)
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
    return this.named(
      dedup ? 'publish_dedup' : 'publish',
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::integer[], $6::timestamptz[]) WITH ORDINALITY
                AS i(message_id, routing_key, payload, headers, delay_ms, deliver_at, ord)
       ),
       routes AS (
         -- Each distinct key is matched against the bindings once (a batch mostly repeats a few keys).
         SELECT i.ord, kq.queue
           FROM input i
           JOIN (SELECT DISTINCT k.routing_key, b.queue
                   FROM (SELECT DISTINCT routing_key FROM input) k
                   JOIN ${this.s}.bindings b ON ${ROUTING_FORM} ~ b.pattern_regex) kq
             ON kq.routing_key = i.routing_key
       ),
       unrouted AS (
         SELECT i.ord FROM input i WHERE NOT EXISTS (SELECT 1 FROM routes r WHERE r.ord = i.ord)
       ),
       proceed AS (
         SELECT $7::boolean OR NOT EXISTS (SELECT 1 FROM unrouted) AS ok
       ),
       ${accepted ? `${accepted},` : ''}
       inserted AS (
         INSERT INTO ${this.s}.messages (queue, message_id, routing_key, payload, headers, published_at, visible_at)
         SELECT r.queue, i.message_id, i.routing_key, i.payload::json, i.headers, statement_timestamp(),
                coalesce(i.deliver_at, statement_timestamp() + make_interval(secs => coalesce(i.delay_ms, 0) / 1000.0))
           FROM routes r JOIN input i USING (ord)
          WHERE ${dedup ? 'r.ord IN (SELECT ord FROM accepted)' : '(SELECT ok FROM proceed)'}
          ORDER BY i.ord, r.queue
         RETURNING queue, visible_at
       ),
       woken AS (
         SELECT pg_notify($8, q.queue) FROM (SELECT DISTINCT queue FROM inserted WHERE visible_at <= statement_timestamp()) q
       )
       SELECT (SELECT count(*) FROM inserted)::int AS copies,
              (SELECT count(*) FROM woken)::int AS notified,
              coalesce((SELECT array_agg(ord::int ORDER BY ord) FROM unrouted), '{}') AS unrouted,
              ${duplicates} AS duplicates`,
      [batch.messageIds, batch.routingKeys, batch.payloads, batch.headers, batch.delaysMs, batch.deliverAts, allowPartial, this.channel, ...(dedup ? [deduplicationWindowMs] : [])],
    );
  }

  /** Forgets up to `limit` (null: all) message ids whose window is over; SKIP LOCKED, so replicas never wait on each other. */
  purgeExpiredDeduplication(limit: number | null): SqlStatement {
    return {
      text: `WITH doomed AS (
               SELECT message_id FROM ${this.s}.deduplication WHERE expires_at <= statement_timestamp()
                ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
             ),
             gone AS (
               DELETE FROM ${this.s}.deduplication d USING doomed x
                WHERE d.message_id = x.message_id AND d.expires_at <= statement_timestamp() RETURNING 1
             )
             SELECT count(*)::int AS n FROM gone`,
      values: [limit],
    };
  }

  /**
   * Stores a batch straight into one queue, bypassing the bindings (RabbitMQ's default exchange): request-reply
   * uses it. Inserts nothing when the queue does not exist (`found` is 0).
   */
  publishToQueue(queue: string, batch: PublishColumns): SqlStatement {
    return this.named(
      'publish_to_queue',
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::integer[], $6::timestamptz[]) WITH ORDINALITY
                AS i(message_id, routing_key, payload, headers, delay_ms, deliver_at, ord)
       ),
       target AS (
         SELECT name FROM ${this.s}.queues WHERE name = $7
       ),
       inserted AS (
         INSERT INTO ${this.s}.messages (queue, message_id, routing_key, payload, headers, published_at, visible_at)
         SELECT t.name, i.message_id, i.routing_key, i.payload::json, i.headers, statement_timestamp(),
                coalesce(i.deliver_at, statement_timestamp() + make_interval(secs => coalesce(i.delay_ms, 0) / 1000.0))
           FROM input i CROSS JOIN target t
          ORDER BY i.ord
         RETURNING queue, visible_at
       ),
       woken AS (
         SELECT pg_notify($8, q.queue) FROM (SELECT DISTINCT queue FROM inserted WHERE visible_at <= statement_timestamp()) q
       )
       SELECT (SELECT count(*) FROM inserted)::int AS copies,
              (SELECT count(*) FROM woken)::int AS notified,
              (SELECT count(*) FROM target)::int AS found`,
      [batch.messageIds, batch.routingKeys, batch.payloads, batch.headers, batch.delaysMs, batch.deliverAts, queue, this.channel],
    );
  }

  // ---- consume --------------------------------------------------------------------------------------------------

  /**
   * Claims up to `limit` visible messages of one queue under a fresh lease token, counting the attempt now. A visible
   * message that already used its last attempt (its holder died) is moved to the dead-letter queue instead, in the
   * same statement. The MATERIALIZED CTE keeps the LIMIT and the row locks in one place (Oban's "optimization fence").
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
    return this.named(
      `claim:${size}${afterMs === null ? '' : ':after'}`,
      `WITH q AS (
         SELECT lease_ms, max_attempts, dead_letter_queue FROM ${this.s}.queues WHERE name = $1
       ),
       candidates AS MATERIALIZED (
         SELECT m.ctid AS row_ctid, m.id, m.attempts, m.visible_at FROM ${this.s}.messages m
          WHERE m.queue = $1 AND m.visible_at <= statement_timestamp() ${cursor}
          ORDER BY m.visible_at, m.id
          LIMIT ${size}
          FOR UPDATE SKIP LOCKED
       ),
       claimed AS (
         UPDATE ${this.s}.messages m
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
         DELETE FROM ${this.s}.messages m
          USING (SELECT c.row_ctid, c.id, q.dead_letter_queue FROM candidates c, q WHERE c.attempts >= q.max_attempts) e
          WHERE m.ctid = e.row_ctid AND m.id = e.id AND m.visible_at <= statement_timestamp()
         RETURNING m.message_id, m.routing_key, m.payload, m.headers, m.published_at, m.last_error, m.deaths, e.dead_letter_queue
       ),
       dead_lettered AS (
         INSERT INTO ${this.s}.messages (queue, message_id, routing_key, payload, headers, published_at, visible_at, last_error, deaths)
         SELECT e.dead_letter_queue, e.message_id, e.routing_key, e.payload, e.headers, e.published_at, statement_timestamp(), e.last_error,
                ${this.s}.record_death(e.deaths, $1, 'delivery_limit', e.routing_key,
                                       coalesce(e.last_error, 'the consumer stopped (lease expired) during its last attempt'))
           FROM exhausted e WHERE e.dead_letter_queue IS NOT NULL
         RETURNING pg_notify($3, queue)
       ),
       recorded AS (
         INSERT INTO ${this.s}.dead_letter_events (queue, dead_letter_queue, message_id, routing_key, reason, error)
         SELECT $1, e.dead_letter_queue, e.message_id, e.routing_key, 'delivery_limit',
                left(coalesce(e.last_error, 'the consumer stopped (lease expired) during its last attempt'), 4096)
           FROM exhausted e
         RETURNING pg_notify($3, '${DEAD_LETTER_WAKE_UP}')
       )
       SELECT * FROM claimed ORDER BY id`,
      [queue, leaseMs, this.channel, ...(afterMs === null ? [] : [afterMs])],
    );
  }

  /** Deletes the messages whose lease token still matches; the ids returned are the ones acked. */
  ack(ids: string[], tokens: string[]): SqlStatement {
    return this.named(
      'ack',
      `DELETE FROM ${this.s}.messages m
        USING unnest($1::bigint[], $2::uuid[]) AS t(id, token)
        WHERE m.id = t.id AND m.lease_token = t.token
       RETURNING m.id`,
      [ids, tokens],
    );
  }

  /**
   * Settles failed deliveries whose lease token still matches: retry after the given delay or the queue's backoff,
   * or, on the last attempt or when rejected, move to the dead-letter queue (dropped when the queue has none) in
   * this same statement, with the death history. Returns each settled id with its outcome.
   */
  nack(batch: NackColumns): SqlStatement {
    return this.named(
      'nack',
      `WITH input AS (
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::integer[], $5::timestamptz[], $6::boolean[])
                AS t(id, token, error, delay_ms, deliver_at, reject)
       ),
       target AS MATERIALIZED (
         SELECT m.id, t.error, t.delay_ms, t.deliver_at, t.reject, q.max_attempts, q.retry_base_ms, q.retry_max_ms, q.retry_jitter, q.dead_letter_queue
           FROM ${this.s}.messages m
           JOIN input t ON m.id = t.id AND m.lease_token = t.token
           JOIN ${this.s}.queues q ON q.name = m.queue
            FOR UPDATE OF m
       ),
       retried AS (
         UPDATE ${this.s}.messages m
            SET lease_token = NULL,
                last_error = left(t.error, 4096),
                visible_at = coalesce(t.deliver_at,
                                      statement_timestamp()
                                      + coalesce(make_interval(secs => t.delay_ms / 1000.0),
                                                 ${this.s}.retry_delay(m.attempts, t.retry_base_ms, t.retry_max_ms, t.retry_jitter)))
           FROM target t
          WHERE m.id = t.id AND m.lease_token IS NOT NULL AND NOT t.reject AND m.attempts < t.max_attempts
         RETURNING m.id, 'retried'::text AS outcome
       ),
       exhausted AS (
         DELETE FROM ${this.s}.messages m USING target t
          WHERE m.id = t.id AND m.lease_token IS NOT NULL AND (t.reject OR m.attempts >= t.max_attempts)
         RETURNING m.id, m.queue, m.message_id, m.routing_key, m.payload, m.headers, m.published_at, m.deaths,
                   t.error, t.reject, t.dead_letter_queue
       ),
       dead_lettered AS (
         INSERT INTO ${this.s}.messages (queue, message_id, routing_key, payload, headers, published_at, visible_at, last_error, deaths)
         SELECT e.dead_letter_queue, e.message_id, e.routing_key, e.payload, e.headers, e.published_at, statement_timestamp(),
                left(e.error, 4096),
                ${this.s}.record_death(e.deaths, e.queue, CASE WHEN e.reject THEN 'rejected' ELSE 'delivery_limit' END, e.routing_key, e.error)
           FROM exhausted e WHERE e.dead_letter_queue IS NOT NULL
         RETURNING pg_notify($7, queue)
       ),
       recorded AS (
         INSERT INTO ${this.s}.dead_letter_events (queue, dead_letter_queue, message_id, routing_key, reason, error)
         SELECT e.queue, e.dead_letter_queue, e.message_id, e.routing_key,
                CASE WHEN e.reject THEN 'rejected' ELSE 'delivery_limit' END, left(e.error, 4096)
           FROM exhausted e
         RETURNING pg_notify($7, '${DEAD_LETTER_WAKE_UP}')
       )
       SELECT id, outcome FROM retried
       UNION ALL
       SELECT id, CASE WHEN dead_letter_queue IS NULL THEN 'dropped' ELSE 'dead_lettered' END FROM exhausted`,
      [batch.ids, batch.tokens, batch.errors, batch.delaysMs, batch.deliverAts, batch.rejects, this.channel],
    );
  }

  /** Moves the lease expiry to now + leaseMs for the messages whose token still matches (SQS ChangeMessageVisibility). */
  extendLease(ids: string[], tokens: string[], leaseMs: number): SqlStatement {
    return this.named(
      'extend',
      `UPDATE ${this.s}.messages m
          SET visible_at = statement_timestamp() + make_interval(secs => $3::integer / 1000.0)
         FROM unnest($1::bigint[], $2::uuid[]) AS t(id, token)
        WHERE m.id = t.id AND m.lease_token = t.token
       RETURNING m.id, m.visible_at AS lease_expires_at`,
      [ids, tokens, leaseMs],
    );
  }

  /**
   * Gives leased messages back, visible now. `refund` un-counts the attempt of a message whose handler never started
   * (prefetched when the consumer stopped).
   */
  release(ids: string[], tokens: string[], refunds: boolean[]): SqlStatement {
    return this.named(
      'release',
      `UPDATE ${this.s}.messages m
          SET lease_token = NULL, visible_at = statement_timestamp(), attempts = m.attempts - CASE WHEN t.refund THEN 1 ELSE 0 END
         FROM unnest($1::bigint[], $2::uuid[], $3::boolean[]) AS t(id, token, refund)
        WHERE m.id = t.id AND m.lease_token = t.token
       RETURNING m.id, pg_notify($4, m.queue)`,
      [ids, tokens, refunds, this.channel],
    );
  }

  // ---- dead-letter events -------------------------------------------------------------------------------------

  /** Locks the oldest dead-letter events (at most 100) for the alerter's transaction. */
  lockDeadLetterEvents(): SqlStatement {
    return this.named(
      'lock_dead_letter_events',
      `SELECT id, queue, dead_letter_queue, message_id, routing_key, reason, error, occurred_at
         FROM ${this.s}.dead_letter_events ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED`,
      [],
    );
  }

  /** Deletes events the alerter handled (its transaction holds their locks). */
  deleteDeadLetterEvents(ids: string[]): SqlStatement {
    return this.named('delete_dead_letter_events', `DELETE FROM ${this.s}.dead_letter_events WHERE id = ANY($1::bigint[]) RETURNING id`, [ids]);
  }

  // ---- expiring queues ----------------------------------------------------------------------------------------

  /** Keeps a queue alive until now + ttlMs (the queue must exist). */
  renewQueue(name: string, ttlMs: number): SqlStatement {
    return {
      text: `UPDATE ${this.s}.queues SET expires_at = statement_timestamp() + make_interval(secs => $2::integer / 1000.0)
              WHERE name = $1 RETURNING name`,
      values: [name, ttlMs],
    };
  }

  /**
   * Deletes the queues whose expiry passed, with their messages and bindings, unless another queue dead-letters
   * into them. Returns their names.
   */
  deleteExpiredQueues(): SqlStatement {
    return {
      text: `WITH expired AS (
               SELECT q.name FROM ${this.s}.queues q
                WHERE q.expires_at < statement_timestamp()
                  AND NOT EXISTS (SELECT 1 FROM ${this.s}.queues o WHERE o.dead_letter_queue = q.name AND o.name <> q.name)
                  FOR UPDATE SKIP LOCKED
             ),
             messages AS (DELETE FROM ${this.s}.messages m USING expired e WHERE m.queue = e.name RETURNING 1),
             queues AS (DELETE FROM ${this.s}.queues q USING expired e WHERE q.name = e.name AND q.expires_at < statement_timestamp() RETURNING q.name)
             SELECT name, (SELECT count(*) FROM messages)::int AS messages FROM queues`,
      values: [],
    };
  }

  // ---- dead-letter administration -----------------------------------------------------------------------------

  /**
   * Moves up to `limit` messages that are not leased, oldest first, from `queue` (a dead-letter queue) back to the
   * queue each one died in (its latest death) or to `target`: attempts start afresh, the death history stays, and
   * they are visible at once. A message whose destination no longer exists stays where it is.
   */
  redrive(queue: string, limit: number, target: string | null): SqlStatement {
    return this.named(
      'redrive',
      `WITH candidates AS MATERIALIZED (
         SELECT m.id, coalesce($3::text, m.deaths -> 0 ->> 'queue') AS destination
           FROM ${this.s}.messages m
          WHERE m.queue = $1 AND m.lease_token IS NULL
            AND EXISTS (SELECT 1 FROM ${this.s}.queues q WHERE q.name = coalesce($3::text, m.deaths -> 0 ->> 'queue'))
          ORDER BY m.visible_at, m.id
          LIMIT $2
          FOR UPDATE SKIP LOCKED
       ),
       moved AS (
         DELETE FROM ${this.s}.messages m USING candidates c
          WHERE m.id = c.id AND m.queue = $1 AND m.lease_token IS NULL
         RETURNING m.message_id, m.routing_key, m.payload, m.headers, m.published_at, m.last_error, m.deaths, c.destination
       ),
       inserted AS (
         INSERT INTO ${this.s}.messages (queue, message_id, routing_key, payload, headers, published_at, visible_at, last_error, deaths)
         SELECT destination, message_id, routing_key, payload, headers, published_at, statement_timestamp(), last_error, deaths FROM moved
         RETURNING pg_notify($4, queue)
       )
       SELECT count(*)::int AS moved FROM inserted WHERE ${this.adminOnly}`,
      [queue, limit, target, this.channel],
    );
  }

  /**
   * A condition that is always true but names a table only the admin role may read (dead_letter_events): PostgreSQL
   * checks every table a statement names before it runs any of it, so redrive and purge by a consumer role fail with
   * 42501 and change nothing, although the consumer's DELETE and INSERT (needed to ack and to dead-letter) would
   * otherwise let them through.
   */
  private get adminOnly(): string {
    return `NOT EXISTS (SELECT FROM ${this.s}.dead_letter_events WHERE false)`;
  }

  /** Deletes the messages of a queue that no consumer holds (RabbitMQ's purge); returns how many. */
  purge(queue: string): SqlStatement {
    return {
      text: `WITH gone AS (
               DELETE FROM ${this.s}.messages
                WHERE queue = $1 AND (lease_token IS NULL OR visible_at <= statement_timestamp())
               RETURNING 1
             )
             SELECT count(*)::int AS n FROM gone WHERE ${this.adminOnly}`,
      values: [queue],
    };
  }

  // ---- inspection -----------------------------------------------------------------------------------------------

  /** The cheapest round trip: does the database answer (health checks). */
  ping(): SqlStatement {
    return { text: 'SELECT 1', values: [] };
  }

  /** Every queue's message counts by state, in one scan (for the metrics endpoint). */
  queueDepths(): SqlStatement {
    return {
      text: `SELECT q.name AS queue,
                    count(m.id) FILTER (WHERE m.lease_token IS NULL AND m.visible_at <= statement_timestamp())::int AS ready,
                    count(m.id) FILTER (WHERE m.lease_token IS NULL AND m.visible_at > statement_timestamp())::int AS delayed,
                    count(m.id) FILTER (WHERE m.lease_token IS NOT NULL)::int AS leased,
                    coalesce(extract(epoch FROM statement_timestamp() - min(m.published_at) FILTER (WHERE m.lease_token IS NULL)), 0)::float8 AS oldest_age_seconds
               FROM ${this.s}.queues q LEFT JOIN ${this.s}.messages m ON m.queue = q.name
              GROUP BY q.name ORDER BY q.name`,
      values: [],
    };
  }

  queueStats(queue: string): SqlStatement {
    return {
      text: `SELECT count(*) FILTER (WHERE lease_token IS NULL AND visible_at <= statement_timestamp())::int AS ready,
                    count(*) FILTER (WHERE lease_token IS NULL AND visible_at > statement_timestamp())::int AS delayed,
                    count(*) FILTER (WHERE lease_token IS NOT NULL AND visible_at > statement_timestamp())::int AS leased,
                    count(*) FILTER (WHERE lease_token IS NOT NULL AND visible_at <= statement_timestamp())::int AS lease_expired
               FROM ${this.s}.messages WHERE queue = $1`,
      values: [queue],
    };
  }

  browse(queue: string, limit: number): SqlStatement {
    return {
      // In the claim index's order, so that any plan walks that index (the broker's sessions reuse generic plans).
      text: `SELECT ${DELIVERY_COLUMNS} FROM ${this.s}.messages m WHERE m.queue = $1 ORDER BY m.visible_at, m.id LIMIT $2`,
      values: [queue, limit],
    };
  }
}

export interface QueueRowInput {
  name: string;
  leaseMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  retryJitter: number;
  deadLetterQueue: string | null;
}

export interface PublishColumns {
  messageIds: string[];
  routingKeys: string[];
  payloads: string[];
  headers: string[];
  delaysMs: (number | null)[];
  deliverAts: (Date | null)[];
}

export interface NackColumns {
  ids: string[];
  tokens: string[];
  errors: (string | null)[];
  delaysMs: (number | null)[];
  deliverAts: (Date | null)[];
  rejects: boolean[];
}
