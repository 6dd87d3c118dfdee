import { InvalidArgumentError, readEnvironment, readFlag, requireDatabaseUrl } from '@app/messaging';

/** What the order API reads from its environment (the names docker-compose.yml and the launcher set). */
export interface OrderApiConfig {
  /** HTTP port. PORT, default 3000. */
  port: number;
  /** The order service's own database (orders, outbox, inbox). ORDERS_DATABASE_URL. */
  ordersDatabaseUrl: string;
  /** The broker's database. BROKER_DATABASE_URL. */
  brokerDatabaseUrl: string;
  /**
   * Migrate the broker and the service database at start. MIGRATE_ON_START, default true (development). npm start and
   * compose set false: there the app's role cannot run DDL and `npm run migrate` migrates as the owner roles.
   */
  migrateOnStart?: boolean;
  /** Slack-compatible webhook for dead-letter alerts. ALERT_WEBHOOK_URL, optional. */
  alertWebhookUrl?: string;
}

/**
 * The environment variables this app reads (each may also come from a file: NAME_FILE). DATABASE_PASSWORD is put in
 * the database URLs that carry none.
 */
export const ORDER_API_ENVIRONMENT = ['PORT', 'ORDERS_DATABASE_URL', 'BROKER_DATABASE_URL', 'ALERT_WEBHOOK_URL', 'DATABASE_PASSWORD', 'MIGRATE_ON_START'] as const;

export function readOrderApiConfig(env: NodeJS.ProcessEnv = process.env): OrderApiConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`PORT must be a port number, got ${env.PORT}`, {});
  return {
    port,
    ordersDatabaseUrl: requireDatabaseUrl('ORDERS_DATABASE_URL', env),
    brokerDatabaseUrl: requireDatabaseUrl('BROKER_DATABASE_URL', env),
    migrateOnStart: readFlag('MIGRATE_ON_START', true, env),
    alertWebhookUrl: readEnvironment('ALERT_WEBHOOK_URL', env),
  };
}
