import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSecretFile } from './dev-secrets.js';

/**
 * The compose secrets, all made on the user's machine by `npm run secrets` (git-ignored), never committed: the
 * superuser's and every role's database password, and the key of the order API's tokens.
 */
export const GENERATED_SECRETS = [
  'postgres_password',
  'broker_owner_password',
  'orders_owner_password',
  'payments_owner_password',
  'notifications_owner_password',
  'order_api_password',
  'payment_worker_password',
  'notification_worker_password',
  'worker_password',
  'order_api_jwt_secret',
] as const;

/** Makes each generated secret missing from `dir`; returns the names it made. */
export function generateSecrets(dir: string): string[] {
  const missing = GENERATED_SECRETS.filter((name) => !existsSync(join(dir, name)));
  // Compose mounts a file secret as it is, and the apps run as the image's `node` user, not the file's owner: it
  // must be readable by others (as the committed ones are). Keep the checkout itself private.
  for (const name of missing) ensureSecretFile(join(dir, name), { mode: 0o644 });
  return missing;
}
