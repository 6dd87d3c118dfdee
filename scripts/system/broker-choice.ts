import { connect } from 'amqplib';
import { MESSAGING_ENVIRONMENT, type MessagingEnvironment } from '@app/messaging';
import { LauncherError } from './launcher-error.js';
import { redactedUrl } from './server-check.js';

/** One line saying which broker the system runs on, for the log and the banner. */
export function describeBroker(messaging: MessagingEnvironment): string {
  return messaging.driver === 'rabbitmq'
    ? `RabbitMQ at ${redactedUrl(messaging.rabbitmqUrl!)}, exchange ${messaging.exchange}`
    : 'PostgreSQL, the broker database beside the services\' own';
}

/**
 * What an app is told about its broker: on postgres its role's URL of the broker database; on rabbitmq the driver,
 * the URL and the exchange, and no broker database (the services' own databases stay on PostgreSQL either way). The
 * driver is always named: the apps inherit the launcher's environment, where MESSAGING_DRIVER may say otherwise.
 */
export function brokerEnvironment(messaging: MessagingEnvironment, brokerDatabaseUrl: string): Record<string, string> {
  if (messaging.driver === 'postgres') return { MESSAGING_DRIVER: 'postgres', BROKER_DATABASE_URL: brokerDatabaseUrl };
  return { MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL: messaging.rabbitmqUrl!, RABBITMQ_EXCHANGE: messaging.exchange! };
}

/**
 * The variables of a registered worker's env (apps/workers.json) that ask for the broker: a worker naming any of them
 * is given brokerEnvironment's, as the apps are.
 */
export const BROKER_VARIABLES: readonly string[] = [...MESSAGING_ENVIRONMENT, 'BROKER_DATABASE_URL'];

/**
 * Registered workers that read BROKER_DATABASE_URL but not MESSAGING_DRIVER: scaffolded before workers ran on either
 * broker, they would fail at boot on RabbitMQ, so the launcher refuses them with the fix instead.
 */
export function postgresOnlyWorkers(workers: { app: string; env: string[] }[]): string[] {
  return workers.filter((w) => w.env.includes('BROKER_DATABASE_URL') && !w.env.includes('MESSAGING_DRIVER')).map((w) => w.app);
}

function reason(error: NodeJS.ErrnoException, url: URL): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `connection refused (is RabbitMQ running on ${url.host}?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host ${url.hostname} is not known`;
    default:
      if (/ACCESS[-_]REFUSED/.test(error.message)) return 'the server refused the login (check the user and password in the URL)';
      if (/vhost .* not found/i.test(error.message)) return `the virtual host ${decodeURIComponent(url.pathname.slice(1) || '/')} does not exist`;
      return /timeout|timed out/i.test(error.message) ? 'no answer within 5 s' : error.message;
  }
}

/** Opens and closes one connection to the RabbitMQ the system is to use; a failure becomes one line with the fix to try. */
export async function assertRabbitmqReachable(rabbitmqUrl: string): Promise<void> {
  try {
    const connection = await connect(rabbitmqUrl, { timeout: 5_000 });
    await connection.close();
  } catch (error) {
    throw new LauncherError(`Cannot reach RABBITMQ_URL=${redactedUrl(rabbitmqUrl)}: ${reason(error as NodeJS.ErrnoException, new URL(rabbitmqUrl))}; or unset MESSAGING_DRIVER to use the PostgreSQL broker`);
  }
}
