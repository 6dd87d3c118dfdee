import { MESSAGING_DRIVER_ENVIRONMENT, MESSAGING_DRIVERS, type ConnectBrokerOptions, type MessagingDriver } from '../connect-broker.js';
import { InvalidArgumentError, InvalidNameError } from '../errors.js';
import { assertQueueName } from '../validation/names.js';
import { readEnvironment, requireDatabaseUrl } from './environment.js';

// The brokers an app can run on are connectBroker's drivers; its own database (outbox, inbox, its data) is
// PostgreSQL on either.

export const MESSAGING_ENVIRONMENT_DEFAULTS = {
  /** MESSAGING_DRIVER unset: the PostgreSQL broker, as before drivers existed. */
  driver: 'postgres',
  /** RABBITMQ_EXCHANGE unset: the topic exchange every app of a system publishes to and binds on. */
  exchange: 'messaging',
} as const satisfies { driver: MessagingDriver; exchange: string };

/** The variables readMessagingEnvironment reads (RABBITMQ_URL may come from RABBITMQ_URL_FILE, a secret file). */
export const MESSAGING_ENVIRONMENT = [MESSAGING_DRIVER_ENVIRONMENT, 'RABBITMQ_URL', 'RABBITMQ_EXCHANGE'] as const;

/** Which broker an app connects to, as its environment says. */
export interface MessagingEnvironment {
  /** MESSAGING_DRIVER: postgres (default) or rabbitmq. */
  driver: MessagingDriver;
  /** RABBITMQ_URL (or the content of RABBITMQ_URL_FILE), amqp:// or amqps://; set exactly when the driver is rabbitmq. */
  rabbitmqUrl?: string;
  /** RABBITMQ_EXCHANGE, default 'messaging'; set exactly when the driver is rabbitmq. */
  exchange?: string;
}

/** The URL with its password hidden, for messages. */
function redacted(url: URL): string {
  const copy = new URL(url);
  if (copy.password) copy.password = '***';
  return copy.toString();
}

function rabbitmqUrl(env: NodeJS.ProcessEnv): string {
  const variable = env.RABBITMQ_URL ? 'RABBITMQ_URL' : env.RABBITMQ_URL_FILE ? 'RABBITMQ_URL_FILE' : 'RABBITMQ_URL';
  const value = readEnvironment('RABBITMQ_URL', env);
  if (!value) throw new InvalidArgumentError('MESSAGING_DRIVER=rabbitmq needs RABBITMQ_URL (or RABBITMQ_URL_FILE), e.g. amqp://user:password@host:5672', { variable });
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`${variable} is not a URL (amqp://user:password@host:5672/vhost)`, { variable });
  }
  if (url.protocol !== 'amqp:' && url.protocol !== 'amqps:') {
    throw new InvalidArgumentError(`${variable} must be an amqp:// or amqps:// URL (got ${redacted(url)})`, { variable });
  }
  return value;
}

// The driver names queues after the exchange, so the exchange takes the queue names' alphabet; RabbitMQ keeps `amq.`
// for its own exchanges.
function exchangeName(env: NodeJS.ProcessEnv): string {
  const name = readEnvironment('RABBITMQ_EXCHANGE', env) ?? MESSAGING_ENVIRONMENT_DEFAULTS.exchange;
  const refuse = (why: string) => new InvalidArgumentError(`RABBITMQ_EXCHANGE: ${why}`, { variable: 'RABBITMQ_EXCHANGE' });
  try {
    assertQueueName(name, 'exchange name');
  } catch (error) {
    throw error instanceof InvalidNameError ? refuse(error.message) : error;
  }
  if (name.startsWith('amq.')) throw refuse(`the exchange name ${JSON.stringify(name)} starts with amq., which RabbitMQ keeps for its own`);
  return name;
}

/**
 * Which broker the environment names: MESSAGING_DRIVER (postgres, the default, or rabbitmq) and, for rabbitmq,
 * RABBITMQ_URL (or RABBITMQ_URL_FILE) and RABBITMQ_EXCHANGE. A bad value is an InvalidArgumentError naming the
 * variable; the RabbitMQ settings are not read on the postgres driver.
 */
export function readMessagingEnvironment(env: NodeJS.ProcessEnv = process.env): MessagingEnvironment {
  const driver = (readEnvironment('MESSAGING_DRIVER', env) ?? MESSAGING_ENVIRONMENT_DEFAULTS.driver).trim().toLowerCase();
  if (!(MESSAGING_DRIVERS as readonly string[]).includes(driver)) {
    throw new InvalidArgumentError(`MESSAGING_DRIVER must be one of ${MESSAGING_DRIVERS.join(', ')} (got ${JSON.stringify(driver)})`, { variable: 'MESSAGING_DRIVER' });
  }
  if (driver === 'postgres') return { driver };
  return { driver: 'rabbitmq', rabbitmqUrl: rabbitmqUrl(env), exchange: exchangeName(env) };
}

/** The broker database's URL from `variable` (see requireDatabaseUrl) on the postgres driver; on rabbitmq, none is needed. */
export function readBrokerDatabaseUrl(messaging: MessagingEnvironment, variable = 'BROKER_DATABASE_URL', env: NodeJS.ProcessEnv = process.env): string | undefined {
  return messaging.driver === 'postgres' ? requireDatabaseUrl(variable, env) : undefined;
}

/** Options only the PostgreSQL driver has, which an app sets for its broker there (its role's name, migrations). */
export type PostgresOnlyOptions = Omit<Extract<ConnectBrokerOptions, { driver?: 'postgres' }>, 'driver' | 'connectionString' | 'pool'>;

/**
 * The broker options (connectBroker's, which MessagingModule.forRoot takes) for an app's config (`messaging` unset:
 * postgres): on postgres the broker database with `postgres`, on rabbitmq the URL and exchange. The one place the
 * apps' driver choice meets the library's options.
 */
export function messagingConnection(config: { messaging?: MessagingEnvironment; brokerDatabaseUrl?: string }, postgres: PostgresOnlyOptions = {}): ConnectBrokerOptions {
  const messaging = config.messaging ?? { driver: MESSAGING_ENVIRONMENT_DEFAULTS.driver };
  if (messaging.driver === 'rabbitmq') return { driver: 'rabbitmq', url: messaging.rabbitmqUrl, exchange: messaging.exchange };
  if (!config.brokerDatabaseUrl) throw new InvalidArgumentError('BROKER_DATABASE_URL (or BROKER_DATABASE_URL_FILE) is not set', { variable: 'BROKER_DATABASE_URL' });
  return { driver: 'postgres', connectionString: config.brokerDatabaseUrl, ...postgres };
}
