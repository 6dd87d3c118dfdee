import { InvalidArgumentError } from '../../errors.js';
import type { BrokerLogger } from '../../core/logger.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES_LIMIT } from '../../validation/payload.js';
import { assertQueueName } from '../../validation/names.js';
import { assertIntegerInRange } from '../../validation/numbers.js';

/** Options of a RabbitMqBroker: where RabbitMQ is, the exchange it uses, limits and reconnection. */
export interface RabbitMqBrokerOptions {
  /**
   * AMQP URL (`amqp://user:pass@host:5672/vhost`). Default: the RABBITMQ_URL environment variable, which may hold
   * several comma-separated URLs (the nodes of a cluster, as `urls`). Give `url` or `urls`, not both.
   */
  url?: string;
  /**
   * The nodes of a cluster, tried in order: the broker connects to the first that answers and, when it loses a node,
   * moves on to the next (round the list) with the reconnect backoff, reset once a node answers.
   */
  urls?: readonly string[];
  /** A publish whose confirm is not back in this time fails with PublishNotConfirmedError (resend it), in ms. Default 30,000. */
  confirmTimeoutMs?: number;
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
  confirmTimeoutMs: 30_000,
  connectionName: 'pg-messaging',
} as const;

export type ResolvedRabbitMqOptions = Required<Omit<RabbitMqBrokerOptions, 'logger' | 'url'>> & { logger?: BrokerLogger };

const KNOWN: ReadonlySet<string> = new Set([
  'url',
  'urls',
  'exchange',
  'logger',
  'maxPayloadBytes',
  'reconnectBaseMs',
  'reconnectMaxMs',
  'connectionWaitMs',
  'confirmTimeoutMs',
  'connectionName',
]);

export function resolveRabbitMqOptions(options: RabbitMqBrokerOptions): ResolvedRabbitMqOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new InvalidArgumentError(`Unknown RabbitMQ broker option ${JSON.stringify(key)}`, { option: key });
  }
  const { url: _url, ...given } = options;
  const resolved = { ...RABBITMQ_DEFAULTS, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)), urls: nodeUrls(options) };
  assertQueueName(resolved.exchange, 'exchange name'); // the same alphabet: it prefixes queue names
  assertIntegerInRange('maxPayloadBytes', resolved.maxPayloadBytes, 1, MAX_PAYLOAD_BYTES_LIMIT);
  assertIntegerInRange('reconnectBaseMs', resolved.reconnectBaseMs, 1, 60_000);
  assertIntegerInRange('reconnectMaxMs', resolved.reconnectMaxMs, resolved.reconnectBaseMs, 600_000);
  assertIntegerInRange('connectionWaitMs', resolved.connectionWaitMs, 0, 600_000);
  assertIntegerInRange('confirmTimeoutMs', resolved.confirmTimeoutMs, 1, 600_000);
  if (typeof resolved.connectionName !== 'string' || resolved.connectionName.length > 200) {
    throw new InvalidArgumentError('connectionName must be a string of at most 200 characters', { option: 'connectionName' });
  }
  return resolved as ResolvedRabbitMqOptions;
}

/** The node URLs from `urls`, `url` or RABBITMQ_URL (comma-separated), each checked to be an amqp(s) URL with a host. */
function nodeUrls(options: RabbitMqBrokerOptions): string[] {
  if (options.url !== undefined && options.urls !== undefined) throw new InvalidArgumentError('Give url or urls, not both', { option: 'urls' });
  const fromEnvironment = () => (process.env.RABBITMQ_URL ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  const option = options.urls !== undefined ? 'urls' : options.url !== undefined ? 'url' : 'RABBITMQ_URL';
  if (options.urls !== undefined && !Array.isArray(options.urls)) throw new InvalidArgumentError('urls must be an array of AMQP URLs', { option });
  const urls = options.urls ?? (options.url !== undefined ? [options.url] : fromEnvironment());
  if (urls.length === 0) throw new InvalidArgumentError('No RabbitMQ: pass url or urls, or set RABBITMQ_URL', { option });
  if (urls.length > 100) throw new InvalidArgumentError(`At most 100 RabbitMQ URLs, got ${urls.length}`, { option });
  for (const url of urls) assertAmqpUrl(url, option);
  return [...urls];
}

function assertAmqpUrl(url: unknown, option: string): void {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') || !parsed.hostname) {
    // The URL itself is not echoed: it may carry a password.
    throw new InvalidArgumentError(`${option}: not an AMQP URL (amqp://user:pass@host:5672/vhost)${typeof url === 'string' ? '' : `, got ${typeof url}`}`, { option });
  }
}

/** A node URL as logs and connectedNode show it: host and port, never the credentials. */
export function nodeLabel(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'amqps:' ? 5671 : 5672)}`;
}
