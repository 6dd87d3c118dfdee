/**
 * A service's outbox and inbox, in the service's own database. `s` is the validated, quoted schema name.
 * Never edit this file once merged: add a migration.
 */
export const version = 1;
export const name = 'outbox_inbox';

export function up(s: string): string {
  return `
-- Messages written in the business transaction, waiting for the relay to hand them to the broker. The relay claims
-- rows with SKIP LOCKED inside its own transaction and deletes them once the broker has them, so there is no
-- "last id seen" watermark (sequence values commit out of order). available_at backs off a row the broker refused.
CREATE TABLE ${s}.outbox (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id   text NOT NULL,
  routing_key  text NOT NULL,
  payload      json NOT NULL,
  headers      jsonb NOT NULL DEFAULT '{}',
  delay_ms     integer,
  ordering_key text,
  created_at   timestamptz NOT NULL DEFAULT statement_timestamp(),
  available_at timestamptz NOT NULL DEFAULT statement_timestamp(),
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text
);
CREATE INDEX outbox_available_idx ON ${s}.outbox (available_at, id);
CREATE INDEX outbox_ordering_idx ON ${s}.outbox (ordering_key, id) WHERE ordering_key IS NOT NULL;

-- One row per message a consumer has processed: written in the handler's transaction, so a redelivered message
-- finds it and is acked without running the handler again. Kept for the retention period, then purged.
CREATE TABLE ${s}.inbox (
  consumer     text NOT NULL,
  message_id   text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT statement_timestamp(),
  PRIMARY KEY (consumer, message_id)
);
CREATE INDEX inbox_processed_idx ON ${s}.inbox (processed_at);
`;
}
