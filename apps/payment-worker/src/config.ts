import { MESSAGING_ENVIRONMENT, portFromEnvironment, readBrokerDatabaseUrl, readEnvironment, readFlag, readMessagingEnvironment, requireDatabaseUrl, requireEnvironment, type MessagingEnvironment } from '@app/messaging';

/** What the payment worker reads from its environment. */
export interface PaymentWorkerConfig {
  /** Port of health and metrics (a worker serves nothing else over HTTP). OPS_PORT, default 3001. */
  opsPort: number;
  /** Address the ops port binds. OPS_HOST, default 0.0.0.0 (the launcher sets 127.0.0.1). */
  opsHost?: string;
  /** The payment service's own database (payments, outbox, inbox). PAYMENTS_DATABASE_URL. */
  paymentsDatabaseUrl: string;
  /** The broker: MESSAGING_DRIVER (postgres by default, or rabbitmq), RABBITMQ_URL(_FILE), RABBITMQ_EXCHANGE. Unset: postgres. */
  messaging?: MessagingEnvironment;
  /** The broker's database, on the postgres driver. BROKER_DATABASE_URL (not read on rabbitmq). */
  brokerDatabaseUrl?: string;
  /**
   * Migrate the broker and the service database at start. MIGRATE_ON_START, default true (development). npm start and
   * compose set false: there the app's role cannot run DDL and `npm run migrate` migrates as the owner roles.
   */
  migrateOnStart?: boolean;
  /** Base URL of the payment provider. PAYMENT_PROVIDER_URL. */
  paymentProviderUrl: string;
}

/**
 * The environment variables this app reads (each may also come from a file: NAME_FILE). DATABASE_PASSWORD is put in
 * the database URLs that carry none.
 */
export const PAYMENT_WORKER_ENVIRONMENT = ['OPS_PORT', 'OPS_HOST', 'PAYMENTS_DATABASE_URL', 'BROKER_DATABASE_URL', 'PAYMENT_PROVIDER_URL', 'DATABASE_PASSWORD', 'MIGRATE_ON_START', ...MESSAGING_ENVIRONMENT] as const;

export function readPaymentWorkerConfig(env: NodeJS.ProcessEnv = process.env): PaymentWorkerConfig {
  const messaging = readMessagingEnvironment(env);
  const required = (name: string) => requireEnvironment(name, env);
  return {
    opsPort: portFromEnvironment('OPS_PORT', 3001, env),
    opsHost: readEnvironment('OPS_HOST', env),
    paymentsDatabaseUrl: requireDatabaseUrl('PAYMENTS_DATABASE_URL', env),
    messaging,
    brokerDatabaseUrl: readBrokerDatabaseUrl(messaging, 'BROKER_DATABASE_URL', env),
    migrateOnStart: readFlag('MIGRATE_ON_START', true, env),
    paymentProviderUrl: required('PAYMENT_PROVIDER_URL'),
  };
}
