import type { SqlStatement } from './sql-executor.js';
import { schemaIdent, channelName } from './identifiers.js';
import type { PublishColumns } from '../core/publish-columns.js';
import { MAX_ERROR_TEXT } from '../limits.js';

export interface OutboxColumns extends PublishColumns {
  orderingKeys: (string | null)[];
}

export interface OutboxRow {
  id: string;
  message_id: string;
  routing_key: string;
  payload: unknown;
  headers: Record<string, string>;
  delay_ms: number | null;
  deliver_at: Date | null;
  ordering_key: string | null;
  attempts: number;
}

/** The outbox and inbox statements of a service schema. */
export class ServiceStatements {
  private readonly s: string;
  /** Relays LISTEN here; an outbox insert notifies it when its transaction commits. */
  readonly outboxChannel: string;

  constructor(schema: string) {
    this.s = schemaIdent(schema);
    this.outboxChannel = channelName(schema, 'outbox');
  }

  insertOutbox(batch: OutboxColumns): SqlStatement {
    return {
      text: `WITH inserted AS (
               INSERT INTO ${this.s}.outbox (message_id, routing_key, payload, headers, delay_ms, deliver_at, ordering_key)
               SELECT i.message_id, i.routing_key, i.payload::json, i.headers, i.delay_ms, i.deliver_at, i.ordering_key
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::integer[], $6::timestamptz[], $7::text[]) WITH ORDINALITY
                      AS i(message_id, routing_key, payload, headers, delay_ms, deliver_at, ordering_key, ord)
                ORDER BY i.ord
               RETURNING 1
             )
             SELECT (SELECT count(*) FROM inserted)::int AS n, pg_notify($8, 'outbox') AS notified`,
      values: [
        batch.messageIds,
        batch.routingKeys,
        batch.payloads,
        batch.headers,
        batch.delaysMs,
        batch.deliverAts,
        batch.orderingKeys,
        this.outboxChannel,
      ],
    };
  }

  /**
   * Locks up to `limit` rows that are due, for this relay's transaction. A row with an ordering key waits while an
   * older row of its key exists (in flight with another relay or backing off), so each key is sent in order.
   */
  claimOutbox(limit: number): SqlStatement {
    return {
      text: `SELECT o.id, o.message_id, o.routing_key, o.payload, o.headers, o.delay_ms, o.deliver_at, o.ordering_key, o.attempts
               FROM ${this.s}.outbox o
              WHERE o.available_at <= statement_timestamp()
                AND (o.ordering_key IS NULL
                     OR NOT EXISTS (SELECT 1 FROM ${this.s}.outbox p WHERE p.ordering_key = o.ordering_key AND p.id < o.id))
              ORDER BY o.id
              LIMIT $1
                FOR UPDATE SKIP LOCKED`,
      values: [limit],
    };
  }

  /** Deletes rows the broker accepted (this transaction holds their locks). */
  deleteOutbox(ids: string[]): SqlStatement {
    return { text: `DELETE FROM ${this.s}.outbox WHERE id = ANY($1::bigint[]) RETURNING id`, values: [ids] };
  }

  /** Backs off rows the broker refused: 1 s doubling per attempt, at most 5 min. */
  deferOutbox(ids: string[], error: string): SqlStatement {
    return {
      text: `UPDATE ${this.s}.outbox
                SET attempts = attempts + 1,
                    last_error = left($2, ${MAX_ERROR_TEXT}),
                    available_at = statement_timestamp() + make_interval(secs => least(300, power(2, least(attempts, 10))))
              WHERE id = ANY($1::bigint[]) AND available_at <= statement_timestamp()
             RETURNING id`,
      values: [ids, error],
    };
  }

  /** Records that `consumer` processed `messageId`; returns no row when it already had. */
  insertInbox(consumer: string, messageId: string): SqlStatement {
    return {
      text: `INSERT INTO ${this.s}.inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT (consumer, message_id) DO NOTHING RETURNING 1 AS fresh`,
      values: [consumer, messageId],
    };
  }

  /** Deletes up to `limit` (null: all) inbox rows older than the retention; SKIP LOCKED, so replicas never wait on each other. */
  purgeInbox(retentionMs: number, limit: number | null): SqlStatement {
    const expired = `processed_at < statement_timestamp() - make_interval(secs => $1::bigint / 1000.0)`;
    return {
      text: `WITH doomed AS (
               SELECT consumer, message_id FROM ${this.s}.inbox WHERE ${expired} ORDER BY processed_at LIMIT $2 FOR UPDATE SKIP LOCKED
             ),
             gone AS (
               DELETE FROM ${this.s}.inbox i USING doomed d
                WHERE i.consumer = d.consumer AND i.message_id = d.message_id AND i.${expired} RETURNING 1
             )
             SELECT count(*)::int AS n FROM gone`,
      values: [retentionMs, limit],
    };
  }
}
