import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { MESSAGING_ENVIRONMENT_DEFAULTS, type MessagingEnvironment } from '@app/messaging';

const run = promisify(execFile);

/** rabbitmqctl on this machine (the management plugin is not needed), or the command in RABBITMQCTL. */
async function rabbitmqctl(...args: string[]): Promise<string> {
  const [command, ...prefix] = (process.env.RABBITMQCTL ?? 'rabbitmqctl').split(' ').filter(Boolean);
  return (await run(command, [...prefix, ...args], { timeout: 60_000 })).stdout;
}

export interface SystemRabbitmq {
  /** What the system is started with: the driver, RABBITMQ_URL on the vhost, the default exchange. */
  messaging: MessagingEnvironment;
  vhost: string;
  /** The queues in the vhost. */
  queues(): Promise<string[]>;
  /** Deletes the vhost with everything in it. */
  delete(): Promise<void>;
}

// TODO(merge): the test kit's vhost helper (libs/messaging/testing/rabbitmq-vhost.ts) replaces add_vhost/delete_vhost here.
/**
 * A vhost of its own on the RabbitMQ at `baseUrl`, with the URL's user given every right on it: the system's
 * exchange and queues never meet another test's, and deleting the vhost removes them all.
 */
export async function systemRabbitmq(baseUrl: string, label: string): Promise<SystemRabbitmq> {
  const vhost = `${label}-${randomBytes(4).toString('hex')}`;
  const url = new URL(baseUrl);
  await rabbitmqctl('add_vhost', vhost);
  await rabbitmqctl('set_permissions', '-p', vhost, decodeURIComponent(url.username) || 'guest', '.*', '.*', '.*');
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return {
    messaging: { driver: 'rabbitmq', rabbitmqUrl: url.toString(), exchange: MESSAGING_ENVIRONMENT_DEFAULTS.exchange },
    vhost,
    queues: async () => (await rabbitmqctl('-q', 'list_queues', '-p', vhost, '--no-table-headers', 'name')).split('\n').map((line) => line.trim()).filter(Boolean).sort(),
    delete: async () => {
      await rabbitmqctl('delete_vhost', vhost);
    },
  };
}
