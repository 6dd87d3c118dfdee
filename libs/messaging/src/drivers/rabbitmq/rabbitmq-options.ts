import { InvalidArgumentError } from '../../errors.js';
import type { BrokerLogger } from '../../core/logger.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES_LIMIT } from '../../validation/payload.js';
import { assertQueueName } from '../../validation/names.js';
import { assertIntegerInRange } from '../../validation/numbers.js';

/** Options of a RabbitMqBroker: where RabbitMQ is, the exchange it uses, limits and reconnection. */
export interface RabbitMqBrokerOptions {
  /** AMQP URL (`amqp://user:pass@host:5672/vhost`). Default: the RABBITMQ_URL environment variable. */
  url?: string;
  /** The durable topic exchange publish() routes through; its dead-letter exchange is `<exchange>.dead-letter`. Default 'messaging'. */
  exchange?: string;
  /** Where warnings and errors go. Default: console (warnings and errors only). */
  logger?: BrokerLogger;
  /** Largest payload accepted, in bytes of UTF-8 JSON. Default 262,144 (256 KiB), as the PostgreSQL driver. */
  maxPayloadBytes?: number;
  /** First reconnect delay after the connection is lost, in ms; doubles per failed try. Default 100. */
  reconnectBaseMs?: number;
  /** Longest reconnect delay, in ms. Default 10,000. */
  reconnectMaxMs?: number;
  /** How long an operation waits for a connection while reconnecting before BrokerUnavailableError, in ms. Default 10,000. */
  connectionWaitMs?: number;
  /** The connection's name in the management UI and `rabbitmqctl list_connections name`. Default 'pg-messaging'. */
  connectionName?: string;
}

export const RABBITMQ_DEFAULTS = {
  exchange: 'messaging',
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
  reconnectBaseMs: 100,
  reconnectMaxMs: 10_000,
  connectionWaitMs: 10_000,
  connectionName: 'pg-messaging',
} as const;

export type ResolvedRabbitMqOptions = Required<Omit<RabbitMqBrokerOptions, 'logger'>> & { logger?: BrokerLogger };

const KNOWN: ReadonlySet<string> = new Set(['url', 'exchange', 'logger', 'maxPayloadBytes', 'reconnectBaseMs', 'reconnectMaxMs', 'connectionWaitMs', 'connectionName']);

export function resolveRabbitMqOptions(options: RabbitMqBrokerOptions): ResolvedRabbitMqOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new InvalidArgumentError(`Unknown RabbitMQ broker option ${JSON.stringify(key)}`, { option: key });
  }
  const url = options.url ?? process.env.RABBITMQ_URL;
  if (!url) throw new InvalidArgumentError('No RabbitMQ: pass url or set RABBITMQ_URL', {});
  const resolved = { ...RABBITMQ_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)), url };
  assertQueueName(resolved.exchange, 'exchange name'); // the same alphabet: it prefixes queue names
  assertIntegerInRange('maxPayloadBytes', resolved.maxPayloadBytes, 1, MAX_PAYLOAD_BYTES_LIMIT);
  assertIntegerInRange('reconnectBaseMs', resolved.reconnectBaseMs, 1, 60_000);
  assertIntegerInRange('reconnectMaxMs', resolved.reconnectMaxMs, resolved.reconnectBaseMs, 600_000);
  assertIntegerInRange('connectionWaitMs', resolved.connectionWaitMs, 0, 600_000);
  if (typeof resolved.connectionName !== 'string' || resolved.connectionName.length > 200) {
    throw new InvalidArgumentError('connectionName must be a string of at most 200 characters', { option: 'connectionName' });
  }
  return resolved as ResolvedRabbitMqOptions;
}
