// Which broker the CLI talks to: flags first, then the environment the apps use (MESSAGING_DRIVER, DATABASE_URL,
// RABBITMQ_URL, RABBITMQ_EXCHANGE), through the library's connectBroker.
import { connectBroker, messagingDriver, type ConnectBrokerOptions } from '../connect-broker.js';
import type { BrokerLogger } from '../core/logger.js';
import type { MessageBroker } from '../driver/message-broker.js';
import { InvalidArgumentError } from '../errors.js';
import { ConnectionFailedError } from './exit-codes.js';

/** The connection flags every command takes. */
export interface ConnectionFlags {
  driver?: string;
  databaseUrl?: string;
  rabbitmqUrl?: string;
  exchange?: string;
  schema?: string;
  verbose?: boolean;
}

// A CLI run is short: waiting the apps' 10 s for RabbitMQ before saying it is down is too long for an operator.
const RABBITMQ_CONNECTION_WAIT_MS = 5_000;

/** The broker's warnings go to stderr with --verbose only: a one-shot command cannot act on them. */
function cliLogger(verbose: boolean): BrokerLogger {
  const write = (level: string) => (message: string) => process.stderr.write(`[messaging ${level}] ${message}\n`);
  return { log: () => undefined, warn: verbose ? write('warn') : () => undefined, error: write('error') };
}

/** connectBroker's options for these flags and this environment. */
export function connectionOptions(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): ConnectBrokerOptions {
  const driver = messagingDriver({ driver: flags.driver });
  const logger = cliLogger(flags.verbose ?? false);
  if (driver === 'rabbitmq') {
    const url = flags.rabbitmqUrl ?? env.RABBITMQ_URL;
    if (!url) throw new InvalidArgumentError('The rabbitmq driver needs --rabbitmq-url or RABBITMQ_URL (amqp://user:password@host:5672/vhost)', { option: 'rabbitmqUrl' });
    if (flags.schema !== undefined) throw new InvalidArgumentError('--schema is for the postgres driver (RabbitMQ has no schema)', { option: 'schema' });
    const exchange = flags.exchange ?? env.RABBITMQ_EXCHANGE;
    return { driver, url, logger, connectionName: 'pg-messaging-cli', connectionWaitMs: RABBITMQ_CONNECTION_WAIT_MS, ...(exchange ? { exchange } : {}) };
  }
  const connectionString = flags.databaseUrl ?? env.DATABASE_URL;
  if (!connectionString) throw new InvalidArgumentError('The postgres driver needs --database-url or DATABASE_URL (postgres://user:password@host:5432/db)', { option: 'databaseUrl' });
  if (flags.exchange !== undefined) throw new InvalidArgumentError('--exchange is for the rabbitmq driver', { option: 'exchange' });
  // migrate: false, since an operator's tool must not create or upgrade a schema by pointing at the wrong database.
  return { driver, connectionString, logger, migrate: false, poolSize: 2, applicationName: 'pg-messaging-cli', ...(flags.schema ? { schema: flags.schema } : {}) };
}

/** Connects and checks that the engine answers; any failure is a ConnectionFailedError naming the target. */
export async function openBroker(flags: ConnectionFlags): Promise<MessageBroker> {
  const options = connectionOptions(flags);
  let broker: MessageBroker | undefined;
  try {
    broker = await connectBroker(options);
    await broker.ping();
    return broker;
  } catch (error) {
    await broker?.close().catch(() => undefined);
    if (error instanceof InvalidArgumentError) throw error;
    const target = options.driver === 'rabbitmq' ? 'RabbitMQ' : 'PostgreSQL';
    throw new ConnectionFailedError(`Cannot connect to ${target}: ${error instanceof Error ? error.message || error.constructor.name : String(error)}`, { cause: error });
  }
}
