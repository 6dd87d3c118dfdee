/**
 * The admin API's own tables, in the hosting app's service database. `s` is the validated, quoted schema name.
 * Never edit this file once merged: add a migration.
 */
export const version = 1;
export const name = 'admin_tables';

export function up(s: string): string {
  return `
-- Every action taken through the admin API, refused ones excepted (a refusal changes nothing).
CREATE TABLE ${s}.audit (
  id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT statement_timestamp(),
  actor   text NOT NULL,
  action  text NOT NULL,
  queue   text,
  count   integer,
  details jsonb NOT NULL DEFAULT '{}'
);

-- Per queue: the levels that raise an alert, and which of them are breached now (an alert fires on entering).
CREATE TABLE ${s}.alert_thresholds (
  queue                   text PRIMARY KEY,
  dead_letter_depth       integer,
  arrival_rate_per_second double precision,
  oldest_age_seconds      integer,
  firing                  text[] NOT NULL DEFAULT '{}',
  updated_at              timestamptz NOT NULL DEFAULT statement_timestamp(),
  updated_by              text NOT NULL
);

-- Redrives run in the background in batches; the row is their progress, and outlives the process that ran them.
CREATE TABLE ${s}.redrive_jobs (
  id              uuid PRIMARY KEY,
  state           text NOT NULL CHECK (state IN ('running', 'done', 'failed')),
  from_queue      text NOT NULL,
  to_queue        text,
  message_ids     text[],
  filter          jsonb,
  rate_per_second integer,
  max_count       integer,
  total           integer NOT NULL,
  moved           integer NOT NULL DEFAULT 0,
  actor           text NOT NULL,
  started_at      timestamptz NOT NULL DEFAULT statement_timestamp(),
  heartbeat_at    timestamptz NOT NULL DEFAULT statement_timestamp(),
  finished_at     timestamptz,
  error           text
);
CREATE INDEX redrive_jobs_running_idx ON ${s}.redrive_jobs (heartbeat_at) WHERE state = 'running';

-- One row per queue per sampling interval (replicas agree on the slot, so there is one), kept one hour.
CREATE TABLE ${s}.queue_samples (
  queue    text NOT NULL,
  at       timestamptz NOT NULL,
  ready    integer NOT NULL,
  dead     integer NOT NULL,
  in_rate  double precision,
  out_rate double precision,
  PRIMARY KEY (queue, at)
);
CREATE INDEX queue_samples_at_idx ON ${s}.queue_samples (at);
`;
}
