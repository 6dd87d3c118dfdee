import type pg from 'pg';
import { InvalidArgumentError } from '../errors.js';
import { assertSchemaName } from '../validation/names.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../validation/payload.js';
import type { BrokerLogger } from './logger.js';

/** Options of a Broker: where the database is and the limits it enforces. */
export interface BrokerOptions {
  /** PostgreSQL URL. Default: the DATABASE_URL environment variable. Ignored when `pool` is given. */
  connectionString?: string;
  /** Use this pool instead of creating one (the broker will not end it). */
  pool?: pg.Pool;
  /** Connections in the pool the broker creates. Default 10. */
  poolSize?: number;
  /** Schema holding the broker tables. Default 'messaging'. */
  schema?: string;
  /** Largest payload accepted, in bytes of UTF-8 JSON. Default 262,144 (256 KiB). */
  maxPayloadBytes?: number;
  /** Run the broker's migrations on connect. Default true. */
  migrate?: boolean;
  /** Where warnings and errors go. Default: console (warnings and errors only). */
  logger?: BrokerLogger;
  /** `application_name` of the broker's sessions, visible in pg_stat_activity. Default 'pg-messaging'. */
  applicationName?: string;
}

export const BROKER_DEFAULTS = {
  poolSize: 10,
  schema: 'messaging',
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
  migrate: true,
  applicationName: 'pg-messaging',
} as const;

export function validateBrokerOptions(options: BrokerOptions): void {
  const schema = options.schema ?? BROKER_DEFAULTS.schema;
  assertSchemaName(schema);
  if (!options.pool && !(options.connectionString ?? process.env.DATABASE_URL)) {
    throw new InvalidArgumentError('No database: pass connectionString or pool, or set DATABASE_URL', {});
  }
  const { poolSize, maxPayloadBytes } = options;
  if (poolSize !== undefined && (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000)) {
    throw new InvalidArgumentError(`poolSize must be an integer from 1 to 1000, got ${String(poolSize)}`, { option: 'poolSize' });
  }
  if (maxPayloadBytes !== undefined && (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 1 || maxPayloadBytes > 64 * 1024 * 1024)) {
    throw new InvalidArgumentError(`maxPayloadBytes must be an integer from 1 to 67108864, got ${String(maxPayloadBytes)}`, {
      option: 'maxPayloadBytes',
    });
  }
}
