/**
 * Queues that expire unless renewed (RabbitMQ's x-expires), for a client's reply queue: a crashed client stops
 * renewing, and its queue is deleted once expired.
 */
export const version = 4;
export const name = 'queue_expiry';

export function up(s: string): string {
  return `
ALTER TABLE ${s}.queues ADD COLUMN expires_at timestamptz;
CREATE INDEX queues_expires_idx ON ${s}.queues (expires_at) WHERE expires_at IS NOT NULL;
`;
}
