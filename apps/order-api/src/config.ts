import { ADMIN_TOKENS_ENVIRONMENT, readAdminTokens, type AdminToken, MESSAGING_ENVIRONMENT, portFromEnvironment, readBrokerDatabaseUrl, readEnvironment, readFlag, readMessagingEnvironment, requireDatabaseUrl, type MessagingEnvironment } from '@app/messaging';
import { ORDER_API_AUTH_ENVIRONMENT, readOrderApiAuthConfig, type OrderApiAuthConfig } from './auth/auth-config.js';

/** What the order API reads from its environment (the names docker-compose.yml and the launcher set). */
export interface OrderApiConfig {
  /** HTTP port of the API. PORT, default 3000. */
  port: number;
  /** Port of health and metrics, kept off the API's port. OPS_PORT, default 3020. */
  opsPort: number;
  /** Address the ops port binds. OPS_HOST, default 0.0.0.0 (the launcher sets 127.0.0.1). */
  opsHost?: string;
  /** The order service's own database (orders, outbox, inbox). ORDERS_DATABASE_URL. */
  ordersDatabaseUrl: string;
  /** The broker: MESSAGING_DRIVER (postgres by default, or rabbitmq), RABBITMQ_URL(_FILE), RABBITMQ_EXCHANGE. Unset: postgres. */
  messaging?: MessagingEnvironment;
  /** The broker's database, on the postgres driver. BROKER_DATABASE_URL (not read on rabbitmq). */
  brokerDatabaseUrl?: string;
  /**
   * Migrate the broker and the service database at start. MIGRATE_ON_START, default true (development). npm start and
   * compose set false: there the app's role cannot run DDL and `npm run migrate` migrates as the owner roles.
   */
  migrateOnStart?: boolean;
  /** Slack-compatible webhook for dead-letter alerts. ALERT_WEBHOOK_URL, optional. */
  alertWebhookUrl?: string;
  /** How callers' bearer tokens are checked. ORDER_API_JWT_SECRET (or _FILE), ORDER_API_JWT_AUDIENCE, ORDER_API_JWT_ISSUER. */
  auth: OrderApiAuthConfig;
  /**
   * Tokens of the admin API and console under /admin: ADMIN_TOKENS, or the secret file ADMIN_TOKENS_FILE (JSON, or
   * lines `token role[,role] name`). None: every admin request is refused (401).
   */
  adminTokens?: AdminToken[];
}

/**
 * The environment variables this app reads (each may also come from a file: NAME_FILE). DATABASE_PASSWORD is put in
 * the database URLs that carry none.
 */
export const ORDER_API_ENVIRONMENT = ['PORT', 'OPS_PORT', 'OPS_HOST', 'ORDERS_DATABASE_URL', 'BROKER_DATABASE_URL', 'ALERT_WEBHOOK_URL', 'DATABASE_PASSWORD', 'MIGRATE_ON_START', ...MESSAGING_ENVIRONMENT, ...ORDER_API_AUTH_ENVIRONMENT, ...ADMIN_TOKENS_ENVIRONMENT] as const;

export const DEFAULT_OPS_PORT = 3020;

export function readOrderApiConfig(env: NodeJS.ProcessEnv = process.env): OrderApiConfig {
  const messaging = readMessagingEnvironment(env);
  return {
    port: portFromEnvironment('PORT', 3000, env),
    opsPort: portFromEnvironment('OPS_PORT', DEFAULT_OPS_PORT, env),
    opsHost: readEnvironment('OPS_HOST', env),
    ordersDatabaseUrl: requireDatabaseUrl('ORDERS_DATABASE_URL', env),
    messaging,
    brokerDatabaseUrl: readBrokerDatabaseUrl(messaging, 'BROKER_DATABASE_URL', env),
    migrateOnStart: readFlag('MIGRATE_ON_START', true, env),
    alertWebhookUrl: readEnvironment('ALERT_WEBHOOK_URL', env),
    auth: readOrderApiAuthConfig(env),
    adminTokens: readAdminTokens(env),
  };
}
