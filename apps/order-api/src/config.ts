import { InvalidArgumentError, readEnvironment, requireEnvironment } from '@app/messaging';

/** What the order API reads from its environment (the names docker-compose.yml and the launcher set). */
export interface OrderApiConfig {
  /** HTTP port. PORT, default 3000. */
  port: number;
  /** The order service's own database (orders, outbox, inbox). ORDERS_DATABASE_URL. */
  ordersDatabaseUrl: string;
  /** The broker's database. BROKER_DATABASE_URL. */
  brokerDatabaseUrl: string;
  /** Slack-compatible webhook for dead-letter alerts. ALERT_WEBHOOK_URL, optional. */
  alertWebhookUrl?: string;
}

/** The environment variables this app reads (each may also come from a file: NAME_FILE). */
export const ORDER_API_ENVIRONMENT = ['PORT', 'ORDERS_DATABASE_URL', 'BROKER_DATABASE_URL', 'ALERT_WEBHOOK_URL'] as const;

export function readOrderApiConfig(env: NodeJS.ProcessEnv = process.env): OrderApiConfig {
  const required = (name: string) => requireEnvironment(name, env);
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`PORT must be a port number, got ${env.PORT}`, {});
  return {
    port,
    ordersDatabaseUrl: required('ORDERS_DATABASE_URL'),
    brokerDatabaseUrl: required('BROKER_DATABASE_URL'),
    alertWebhookUrl: readEnvironment('ALERT_WEBHOOK_URL', env),
  };
}
