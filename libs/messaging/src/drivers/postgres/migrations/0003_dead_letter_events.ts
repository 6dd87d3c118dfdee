/**
 * One row per message that left a queue for good (moved to its dead-letter queue, or dropped), written by the same
 * statement that moves it: the alerter takes them from here, so every dead letter raises an alert once.
 */
export const version = 3;
export const name = 'dead_letter_events';

export function up(s: string): string {
  return `
CREATE TABLE ${s}.dead_letter_events (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue             text NOT NULL,
  dead_letter_queue text,
  message_id        text NOT NULL,
  routing_key       text NOT NULL,
  reason            text NOT NULL,
  error             text,
  occurred_at       timestamptz NOT NULL DEFAULT statement_timestamp()
);
`;
}
