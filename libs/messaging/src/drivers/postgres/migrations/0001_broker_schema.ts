/**
 * The broker schema. `s` is the validated, quoted schema name. Never edit this file once merged: add a migration.
 */
export const version = 1;
export const name = 'broker_schema';

export function up(s: string): string {
  return `
CREATE TABLE ${s}.queues (
  name              text PRIMARY KEY,
  lease_ms          integer NOT NULL CHECK (lease_ms > 0),
  max_attempts      integer NOT NULL CHECK (max_attempts > 0),
  retry_base_ms     integer NOT NULL CHECK (retry_base_ms >= 0),
  retry_max_ms      integer NOT NULL CHECK (retry_max_ms >= retry_base_ms),
  retry_jitter      double precision NOT NULL CHECK (retry_jitter >= 0 AND retry_jitter <= 1),
  dead_letter_queue text REFERENCES ${s}.queues (name),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- pattern_regex is compiled from pattern by the library (topology/topic-matcher.ts) and matched in SQL at publish.
CREATE TABLE ${s}.bindings (
  queue         text NOT NULL REFERENCES ${s}.queues (name) ON DELETE CASCADE,
  pattern       text NOT NULL,
  pattern_regex text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (queue, pattern)
);

-- One row per message per queue (a fan-out publish writes one copy per bound queue). Acked rows are deleted so the
-- table holds only pending and leased messages. visible_at is both "deliverable from" and, while lease_token is set,
-- the lease expiry: an expired lease is simply visible again, so no sweeper process is needed. No foreign key on
-- this hot table (the topology statements keep it consistent).
-- payload is json, not jsonb: the broker never looks inside, and json stores and returns the text unchanged.
CREATE TABLE ${s}.messages (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue        text NOT NULL,
  message_id   text NOT NULL,
  routing_key  text NOT NULL,
  payload      json NOT NULL,
  headers      jsonb NOT NULL DEFAULT '{}',
  published_at timestamptz NOT NULL,
  visible_at   timestamptz NOT NULL,
  attempts     integer NOT NULL DEFAULT 0,
  lease_token  uuid,
  last_error   text,
  deaths       jsonb
);

-- The claim walks this index in order: (queue, visible_at <= now()) is a range, leased and delayed rows sit after it.
CREATE INDEX messages_claim_idx ON ${s}.messages (queue, visible_at, id);

-- The hot table churns (insert, update on claim, delete on ack): vacuum it on an absolute count, not a fraction.
ALTER TABLE ${s}.messages SET (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 5000,
  autovacuum_vacuum_insert_scale_factor = 0,
  autovacuum_vacuum_insert_threshold = 20000,
  autovacuum_analyze_scale_factor = 0,
  autovacuum_analyze_threshold = 20000
);

-- x-death style history: one entry per (queue, reason), most recent first, with a count and first/last times.
CREATE FUNCTION ${s}.record_death(deaths jsonb, dead_queue text, reason text, routing_key text, last_error text)
RETURNS jsonb LANGUAGE sql STABLE AS $fn$
  SELECT jsonb_build_array(jsonb_build_object(
           'queue', dead_queue,
           'reason', reason,
           'count', coalesce((previous.entry ->> 'count')::integer, 0) + 1,
           'routingKey', routing_key,
           'firstTime', coalesce(previous.entry -> 'firstTime', to_jsonb(now())),
           'lastTime', to_jsonb(now()),
           'lastError', left(last_error, 4096)))
         || coalesce((SELECT jsonb_agg(d.entry)
                        FROM jsonb_array_elements(coalesce(deaths, '[]'::jsonb)) AS d(entry)
                       WHERE NOT (d.entry ->> 'queue' = dead_queue AND d.entry ->> 'reason' = reason)), '[]'::jsonb)
    FROM (SELECT (SELECT d.entry
                    FROM jsonb_array_elements(coalesce(deaths, '[]'::jsonb)) AS d(entry)
                   WHERE d.entry ->> 'queue' = dead_queue AND d.entry ->> 'reason' = reason
                   LIMIT 1) AS entry) AS previous
$fn$;

-- Retry delay after a failed attempt: exponential from retry_base_ms, capped at retry_max_ms, minus up to
-- retry_jitter of itself at random (so a burst of failures does not retry in lockstep).
CREATE FUNCTION ${s}.retry_delay(attempts integer, base_ms integer, max_ms integer, jitter double precision)
RETURNS interval LANGUAGE sql VOLATILE AS $fn$
  SELECT make_interval(secs => least(max_ms::double precision,
                                     base_ms * power(2::double precision, least(greatest(attempts - 1, 0), 40)))
                               * (1 - jitter * random()) / 1000.0)
$fn$;
`;
}
