// The one place that picks a broker engine: everything above the driver seam asks for a MessageBroker here.
import type { MessageBroker } from './driver/message-broker.js';
import { Broker } from './drivers/postgres/broker.js';
import { validateBrokerOptions, type BrokerOptions } from './drivers/postgres/broker-options.js';
import { RabbitMqBroker } from './drivers/rabbitmq/rabbitmq-broker.js';
import { resolveRabbitMqOptions, type RabbitMqBrokerOptions } from './drivers/rabbitmq/rabbitmq-options.js';
import { InvalidArgumentError } from './errors.js';
import { assertKnownFields } from './validation/fields.js';

/** The broker engines: PostgreSQL (drivers/postgres) and RabbitMQ (drivers/rabbitmq). */
export const MESSAGING_DRIVERS = ['postgres', 'rabbitmq'] as const;
export type MessagingDriver = (typeof MESSAGING_DRIVERS)[number];

/** The environment variable that picks the driver when the options do not. */
export const MESSAGING_DRIVER_ENVIRONMENT = 'MESSAGING_DRIVER';

/**
 * Which broker to connect, and how: `driver` (default: the MESSAGING_DRIVER environment variable, else
 * 'postgres') with that driver's options.
 */
export type { RabbitMqBrokerOptions };
export type ConnectBrokerOptions = ({ driver?: 'postgres' } & BrokerOptions) | ({ driver: 'rabbitmq' } & RabbitMqBrokerOptions);

// Every option of each driver, so that a misspelt or foreign one (a RabbitMQ `url` given to postgres) is refused.
const POSTGRES_OPTIONS = {
  driver: true,
  connectionString: true,
  pool: true,
  poolSize: true,
  schema: true,
  maxPayloadBytes: true,
  migrate: true,
  logger: true,
  applicationName: true,
  pgbouncer: true,
  preparedStatements: true,
  activityFlushIntervalMs: true,
} satisfies Record<keyof BrokerOptions | 'driver', true>;
const RABBITMQ_OPTIONS = {
  driver: true,
  url: true,
  urls: true,
  exchange: true,
  logger: true,
  maxPayloadBytes: true,
  reconnectBaseMs: true,
  reconnectMaxMs: true,
  connectionWaitMs: true,
  confirmTimeoutMs: true,
  connectionName: true,
} satisfies Record<keyof RabbitMqBrokerOptions | 'driver', true>;
const KNOWN_OPTIONS: Record<MessagingDriver, ReadonlySet<string>> = {
  postgres: new Set(Object.keys(POSTGRES_OPTIONS)),
  rabbitmq: new Set(Object.keys(RABBITMQ_OPTIONS)),
};

/** The driver the options name, else MESSAGING_DRIVER (unset or empty: 'postgres'); anything else is refused. */
export function messagingDriver(options: { driver?: unknown } = {}): MessagingDriver {
  const fromEnvironment = process.env[MESSAGING_DRIVER_ENVIRONMENT];
  const driver = options.driver ?? (fromEnvironment === undefined || fromEnvironment === '' ? 'postgres' : fromEnvironment);
  if (!(MESSAGING_DRIVERS as readonly unknown[]).includes(driver)) {
    const source = options.driver === undefined ? `${MESSAGING_DRIVER_ENVIRONMENT}=${String(driver)}` : `driver ${JSON.stringify(driver)}`;
    throw new InvalidArgumentError(`Unknown messaging driver (${source}): use one of ${MESSAGING_DRIVERS.join(', ')}`, { option: 'driver' });
  }
  return driver as MessagingDriver;
}

/** Checks the options without connecting (MessagingModule does at boot); returns the driver they pick. */
export function validateConnectBrokerOptions(options: ConnectBrokerOptions): MessagingDriver {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('The broker options must be an object', {});
  const driver = messagingDriver(options);
  assertKnownFields(options, KNOWN_OPTIONS[driver], `the ${driver} driver's options`);
  const { driver: _driver, ...rest } = options;
  if (driver === 'postgres') validateBrokerOptions(rest as BrokerOptions);
  else resolveRabbitMqOptions(rest as RabbitMqBrokerOptions);
  return driver;
}

/** Connects the broker the options (or MESSAGING_DRIVER) pick. */
export async function connectBroker(options: ConnectBrokerOptions = {}): Promise<MessageBroker> {
  const driver = validateConnectBrokerOptions(options);
  const { driver: _driver, ...rest } = options;
  return driver === 'rabbitmq' ? RabbitMqBroker.connect(rest as RabbitMqBrokerOptions) : Broker.connect(rest as BrokerOptions);
}

/** The PostgreSQL driver's broker class (MessagingModule still provides it under its class token). */
export { Broker as PostgresBroker };
