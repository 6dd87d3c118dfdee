import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSecretFile } from './dev-secrets.js';

/**
 * The compose secrets, all made on the user's machine by `npm run secrets` (git-ignored), never committed: the
 * superuser's and every role's database password, the key of the order API's tokens, and RabbitMQ's credentials
 * (the rabbitmq profile) as the server's config file and as the apps' URL.
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
  'rabbitmq_conf',
  'rabbitmq_url',
] as const;

/** The user the apps connect to compose's RabbitMQ as, and where they reach it (the compose service's name). */
export const COMPOSE_RABBITMQ = { user: 'messaging', host: 'rabbitmq', port: 5672 } as const;

const RABBITMQ_FILES = ['rabbitmq_conf', 'rabbitmq_url'] as const;

export const rabbitmqConf = (password: string) =>
  [
    '# Made by npm run secrets (git-ignored). RabbitMQ creates this user when its data volume is new: after a new',
    '# password, remove the volume (docker compose --profile rabbitmq down -v) or change it with rabbitmqctl.',
    `default_user = ${COMPOSE_RABBITMQ.user}`,
    `default_pass = ${password}`,
    'default_user_tags.administrator = true',
    '',
  ].join('\n');

export const rabbitmqUrl = (password: string) => `amqp://${COMPOSE_RABBITMQ.user}:${password}@${COMPOSE_RABBITMQ.host}:${COMPOSE_RABBITMQ.port}\n`;

/** The password already in one of the two files, so that the missing one agrees with it (the volume may know it). */
function existingRabbitmqPassword(dir: string): string | undefined {
  const conf = join(dir, 'rabbitmq_conf');
  if (existsSync(conf)) return readFileSync(conf, 'utf8').match(/^default_pass = (.+)$/m)?.[1];
  const url = join(dir, 'rabbitmq_url');
  if (existsSync(url)) return decodeURIComponent(new URL(readFileSync(url, 'utf8').trim()).password) || undefined;
  return undefined;
}

/** Makes each generated secret missing from `dir`; returns the names it made. */
export function generateSecrets(dir: string): string[] {
  const missing = GENERATED_SECRETS.filter((name) => !existsSync(join(dir, name)));
  // Compose mounts a file secret as it is, and the apps run as the image's `node` user (RabbitMQ as `rabbitmq`), not
  // the file's owner: it must be readable by others (as the committed ones are). Keep the checkout itself private.
  for (const name of missing.filter((name) => !(RABBITMQ_FILES as readonly string[]).includes(name))) ensureSecretFile(join(dir, name), { mode: 0o644 });
  if (RABBITMQ_FILES.some((name) => missing.includes(name))) {
    // base64url: nothing to escape in the URL or the config file.
    const password = existingRabbitmqPassword(dir) ?? randomBytes(24).toString('base64url');
    const content = { rabbitmq_conf: rabbitmqConf(password), rabbitmq_url: rabbitmqUrl(password) };
    for (const name of RABBITMQ_FILES) if (missing.includes(name)) writeFileSync(join(dir, name), content[name], { mode: 0o644, flag: 'wx' });
  }
  return missing;
}
