import { fileURLToPath } from 'node:url';
import { ChildService, waitUntilHealthy } from './child-service.js';
import { createSystemDatabases, type SystemDatabases } from './databases.js';

const entry = (app: string) => fileURLToPath(new URL(`../../apps/${app}/src/main.ts`, import.meta.url));

export interface SystemPorts {
  orderApi: number;
  paymentWorker: number;
  notificationWorker: number;
  paymentProvider: number;
  smtp: number;
}

export const DEFAULT_PORTS: SystemPorts = { orderApi: 3000, paymentWorker: 3001, notificationWorker: 3002, paymentProvider: 4010, smtp: 1025 };

export interface SystemOptions {
  /** A PostgreSQL server to use (any database on it; the system's databases are created beside it). Default: embedded. */
  databaseUrl?: string;
  /** Data folder of the embedded PostgreSQL. Default .data/postgres. */
  dataDir?: string;
  /** Prefix of the database names (tests use it to run beside each other). Default none. */
  databasePrefix?: string;
  ports?: Partial<SystemPorts>;
  /** Use this SMTP server instead of starting the local catcher. */
  smtpUrl?: string;
  /** Slack-compatible webhook for dead-letter alerts. */
  alertWebhookUrl?: string;
  /** Extra environment for the three apps (e.g. OTEL_EXPORTER_OTLP_ENDPOINT). */
  env?: Record<string, string>;
  /** Where the interleaved logs go. Default stdout. */
  log?: (line: string) => void;
}

export interface RunningSystem {
  orderApiUrl: string;
  paymentProviderUrl: string;
  smtpUrl: string;
  databases: SystemDatabases;
  /** The processes started (simulators and apps), e.g. to check that none died. */
  services: readonly ChildService[];
  stop(): Promise<void>;
}

/**
 * Starts the whole reference system as processes: PostgreSQL (embedded unless a server is given), its databases and
 * migrations, the payment provider simulator and the SMTP catcher, then order-api, payment-worker and
 * notification-worker. This is what `npm start` runs, and what the end-to-end tests start.
 */
export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  // The apps stop first (they finish their messages), then the simulators, then PostgreSQL.
  const apps: ChildService[] = [];
  const infrastructure: ChildService[] = [];
  let postgres: ChildService | null = null;
  const stop = async () => {
    await Promise.all(apps.map((s) => s.stop()));
    await Promise.all(infrastructure.map((s) => s.stop()));
    await postgres?.stop(60_000);
  };
  try {
    let serverUrl = options.databaseUrl;
    if (!serverUrl) {
      log('Starting the embedded PostgreSQL (data in .data/postgres)...');
      postgres = new ChildService('postgres', fileURLToPath(new URL('./postgres-process.ts', import.meta.url)), {
        PGDATA_DIR: options.dataDir ?? fileURLToPath(new URL('../../.data/postgres', import.meta.url)),
      }, log, 5);
      serverUrl = await postgres.waitForLine((line) => (line.includes('"event":"ready"') ? (JSON.parse(line.slice(line.indexOf('{'))).url as string) : undefined));
    }
    const databases = await createSystemDatabases(serverUrl, options.databasePrefix ?? '');
    log(`Databases ready on ${new URL(serverUrl).host}: ${Object.values(databases).map((u) => new URL(u).pathname.slice(1)).join(', ')}`);

    const start = (group: ChildService[], name: string, app: string, env: Record<string, string>) => {
      const service = new ChildService(name, entry(app), env, log, apps.length + infrastructure.length);
      group.push(service);
      return service;
    };
    const provider = start(infrastructure, 'payment-provider', 'payment-provider', { PORT: String(ports.paymentProvider), HOST: '127.0.0.1' });
    const paymentProviderUrl = `http://127.0.0.1:${ports.paymentProvider}`;
    let smtpUrl = options.smtpUrl;
    if (!smtpUrl) {
      start(infrastructure, 'smtp-catcher', 'smtp-catcher', { PORT: String(ports.smtp) });
      smtpUrl = `smtp://127.0.0.1:${ports.smtp}`;
    }
    await waitUntilHealthy(provider, `${paymentProviderUrl}/health`);

    const common = { BROKER_DATABASE_URL: databases.broker, NODE_ENV: process.env.NODE_ENV ?? 'development', ...options.env };
    const payment = start(apps, 'payment-worker', 'payment-worker', {
      ...common,
      OTEL_SERVICE_NAME: 'payment-worker',
      PORT: String(ports.paymentWorker),
      PAYMENTS_DATABASE_URL: databases.payments,
      PAYMENT_PROVIDER_URL: paymentProviderUrl,
    });
    const notification = start(apps, 'notification-worker', 'notification-worker', {
      ...common,
      OTEL_SERVICE_NAME: 'notification-worker',
      PORT: String(ports.notificationWorker),
      NOTIFICATIONS_DATABASE_URL: databases.notifications,
      SMTP_URL: smtpUrl,
    });
    const api = start(apps, 'order-api', 'order-api', {
      ...common,
      OTEL_SERVICE_NAME: 'order-api',
      PORT: String(ports.orderApi),
      ORDERS_DATABASE_URL: databases.orders,
      ...(options.alertWebhookUrl ? { ALERT_WEBHOOK_URL: options.alertWebhookUrl } : {}),
    });
    await Promise.all([
      waitUntilHealthy(payment, `http://127.0.0.1:${ports.paymentWorker}/health`),
      waitUntilHealthy(notification, `http://127.0.0.1:${ports.notificationWorker}/health`),
      waitUntilHealthy(api, `http://127.0.0.1:${ports.orderApi}/health`),
    ]);
    return { orderApiUrl: `http://127.0.0.1:${ports.orderApi}`, paymentProviderUrl, smtpUrl, databases, services: [...infrastructure, ...apps], stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
