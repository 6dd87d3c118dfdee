/**
 * What operators need beyond the message flow: a pause flag per queue (the claim honours it), and two tables each
 * broker process upserts every few seconds, never per message: its consumers per queue (rows expire unless
 * refreshed, so a killed process drops out) and its message counts per queue per 10-second bucket.
 */
export const version = 5;
export const name = 'operations';

export function up(s: string): string {
  return `
ALTER TABLE ${s}.queues ADD COLUMN paused_at timestamptz;

CREATE TABLE ${s}.consumer_presence (
  broker_id  uuid NOT NULL,
  queue      text NOT NULL,
  consumers  integer NOT NULL CHECK (consumers >= 0),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (broker_id, queue)
);

CREATE TABLE ${s}.queue_activity (
  queue         text NOT NULL,
  bucket        timestamptz NOT NULL,
  published     bigint NOT NULL DEFAULT 0,
  delivered     bigint NOT NULL DEFAULT 0,
  acked         bigint NOT NULL DEFAULT 0,
  dead_lettered bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (queue, bucket)
);
CREATE INDEX queue_activity_bucket_idx ON ${s}.queue_activity (bucket);
`;
}
