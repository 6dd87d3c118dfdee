/** Message ids seen within a deduplication window (SQS's MessageDeduplicationId), for publishes that ask for it. */
export const version = 2;
export const name = 'deduplication';

export function up(s: string): string {
  return `
CREATE TABLE ${s}.deduplication (
  message_id text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX deduplication_expires_idx ON ${s}.deduplication (expires_at);
`;
}
