import type { BrokerLogger } from '../core/logger.js';
import { InvalidArgumentError } from '../errors.js';
import { assertIntegerInRange } from '../validation/numbers.js';
import { assertSchemaName } from '../validation/names.js';
import { parseAdminTokens, type AdminToken } from './auth/admin-tokens.js';

export const ADMIN_OPTIONS = Symbol('MESSAGING_ADMIN_OPTIONS');

export interface MessagingAdminOptions {
  /** PostgreSQL database for the admin's own tables (audit, thresholds, redrive jobs, samples): the app's service database. */
  database: string;
  /** Schema of those tables. Default 'messaging_admin'. */
  schema?: string;
  /** The tokens: a list, or the text of a tokens file (JSON, or lines `token role[,role] name`). See readAdminTokens. */
  tokens: readonly AdminToken[] | string;
  /** Path the API is mounted under: `<prefix>/api/...`. Default 'admin'. */
  prefix?: string;
  /** Migrate the schema at boot. Default true (false when the app's role may not run DDL: migrateAdminDatabase then). */
  migrate?: boolean;
  /** Connections to the admin database. Default 4. */
  poolSize?: number;
  /** Slack-compatible webhook the threshold alerts are posted to (besides the log). Default: none. */
  alertWebhookUrl?: string;
  /** How often thresholds are checked, in ms. Default 15,000. */
  alertCheckIntervalMs?: number;
  /** How often each queue is sampled for the console's charts (kept one hour), in ms. Default 15,000. */
  sampleIntervalMs?: number;
  /** The topic exchange's name as the topology view shows it (RabbitMQ: RABBITMQ_EXCHANGE). Default 'messaging'. */
  exchange?: string;
  /**
   * A redrive job whose process stopped writing progress (it died, or was stopped mid-job) for this long is resumed
   * by another replica or the next boot, in ms. Default 30,000.
   */
  redriveTakeoverMs?: number;
  /** Where audit lines and alerts are logged. Default: Nest's Logger, context `messaging-admin`. */
  logger?: BrokerLogger;
}

export const ADMIN_DEFAULTS = {
  schema: 'messaging_admin',
  prefix: 'admin',
  exchange: 'messaging',
  poolSize: 4,
  alertCheckIntervalMs: 15_000,
  sampleIntervalMs: 15_000,
  redriveTakeoverMs: 30_000,
} as const;

/** Limits of the API's requests (400 beyond them). */
export const ADMIN_LIMITS = {
  /** Messages per page (the drivers' own maximum). */
  maxPageSize: 500,
  /** Redrive pace, messages per second. */
  maxRedrivePerSecond: 1_000,
  /** Audit entries per page. */
  maxAuditPageSize: 500,
  /** Bytes of payload shown in a message's detail. */
  payloadPreviewBytes: 64 * 1024,
  /** Message ids one redrive may name. */
  maxRedriveMessageIds: 10_000,
} as const;

export type ResolvedAdminOptions = Required<Omit<MessagingAdminOptions, 'tokens' | 'alertWebhookUrl' | 'logger'>> &
  Pick<MessagingAdminOptions, 'alertWebhookUrl' | 'logger'> & { tokens: AdminToken[] };

const PREFIX = /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;

/** Checks every option (a bad one fails the boot) and fills in the defaults. */
export function resolveAdminOptions(options: MessagingAdminOptions): ResolvedAdminOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('MessagingAdminModule needs an options object', {});
  if (typeof options.database !== 'string' || options.database === '') throw new InvalidArgumentError('MessagingAdminModule: database (a PostgreSQL URL) is required', { option: 'database' });
  const schema = options.schema ?? ADMIN_DEFAULTS.schema;
  assertSchemaName(schema);
  const prefix = (options.prefix ?? ADMIN_DEFAULTS.prefix).replace(/^\/+|\/+$/g, '');
  if (!PREFIX.test(prefix)) throw new InvalidArgumentError(`MessagingAdminModule: prefix ${JSON.stringify(options.prefix)} is not a URL path`, { option: 'prefix' });
  const tokens = typeof options.tokens === 'string' ? parseAdminTokens(options.tokens) : parseAdminTokens(JSON.stringify(options.tokens ?? []));
  return {
    database: options.database,
    schema,
    tokens,
    prefix,
    migrate: options.migrate ?? true,
    exchange: options.exchange ?? ADMIN_DEFAULTS.exchange,
    poolSize: assertIntegerInRange('poolSize', options.poolSize ?? ADMIN_DEFAULTS.poolSize, 1, 100),
    alertWebhookUrl: options.alertWebhookUrl,
    alertCheckIntervalMs: assertIntegerInRange('alertCheckIntervalMs', options.alertCheckIntervalMs ?? ADMIN_DEFAULTS.alertCheckIntervalMs, 100, 3_600_000),
    sampleIntervalMs: assertIntegerInRange('sampleIntervalMs', options.sampleIntervalMs ?? ADMIN_DEFAULTS.sampleIntervalMs, 100, 3_600_000),
    redriveTakeoverMs: assertIntegerInRange('redriveTakeoverMs', options.redriveTakeoverMs ?? ADMIN_DEFAULTS.redriveTakeoverMs, 1_000, 3_600_000),
    logger: options.logger,
  };
}
