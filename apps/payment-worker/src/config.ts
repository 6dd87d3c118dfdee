import { requireEnvironment } from '@app/messaging';

/** What the payment worker reads from its environment. */
export interface PaymentWorkerConfig {
  /** HTTP port of the health endpoint. PORT, default 3001. */
  port: number;
  /** The payment service's own database (payments, outbox, inbox). PAYMENTS_DATABASE_URL. */
  paymentsDatabaseUrl: string;
  /** The broker's database. BROKER_DATABASE_URL. */
  brokerDatabaseUrl: string;
  /** Base URL of the payment provider. PAYMENT_PROVIDER_URL. */
  paymentProviderUrl: string;
}

/** The environment variables this app reads (each may also come from a file: NAME_FILE). */
export const PAYMENT_WORKER_ENVIRONMENT = ['PORT', 'PAYMENTS_DATABASE_URL', 'BROKER_DATABASE_URL', 'PAYMENT_PROVIDER_URL'] as const;

export function readPaymentWorkerConfig(env: NodeJS.ProcessEnv = process.env): PaymentWorkerConfig {
  const required = (name: string) => requireEnvironment(name, env);
  return {
    port: Number(env.PORT ?? 3001),
    paymentsDatabaseUrl: required('PAYMENTS_DATABASE_URL'),
    brokerDatabaseUrl: required('BROKER_DATABASE_URL'),
    paymentProviderUrl: required('PAYMENT_PROVIDER_URL'),
  };
}
