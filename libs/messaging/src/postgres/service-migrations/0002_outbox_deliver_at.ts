/**
 * An outbox message's `deliverAt`: an absolute time, kept as given (unlike delay_ms, which counts from the relay).
 * Never edit this file once merged: add a migration.
 */
export const version = 2;
export const name = 'outbox_deliver_at';

export function up(s: string): string {
  return `ALTER TABLE ${s}.outbox ADD COLUMN deliver_at timestamptz;`;
}
