import { fileURLToPath } from 'node:url';
import type { MessagingEnvironment } from '@app/messaging';
import type { OrderApiAuthConfig } from '../../apps/order-api/src/auth/auth-config.js';
import { repoDataDir } from '../../tools/embedded-postgres.js';
import { assertRabbitmqReachable, BROKER_VARIABLES, brokerEnvironment, describeBroker, postgresOnlyWorkers } from './broker-choice.js';
import { ChildService, waitUntilHealthy } from './child-service.js';
import { displayPath, lockDataDir } from './data-dir-lock.js';
import { createSystemDatabases, passwordsFileFor, type SystemDatabaseAccess, type SystemDatabases } from './databases.js';
import { developmentAuth } from './dev-secrets.js';
import { LauncherError } from './launcher-error.js';
import { choosePostgresPort, rememberPostgresPort } from './postgres-port.js';
import { assertPortsFree, DEFAULT_PORTS, PORT_VARIABLES, workerPortVariable, type SystemPorts } from './ports.js';
import { assertServerReachable } from './server-check.js';
import { SupervisedService } from './supervised-service.js';
import { registeredWorkers } from './worker-registry.js';

export { DEFAULT_PORTS, type SystemPorts } from './ports.js';

const entry = (app: string) => fileURLToPath(new URL(`../../apps/${app}/src/main.ts`, import.meta.url));
export const DEFAULT_DATA_DIR = repoDataDir('postgres');
export const DEFAULT_WORKERS_FILE = fileURLToPath(new URL('../../apps/workers.json', import.meta.url));

export interface SystemOptions {
  /** A PostgreSQL server to use (any database on it; the system's databases are created beside it). Default: embedded. */
  databaseUrl?: string;
  /**
   * The apps' broker (readMessagingEnvironment: MESSAGING_DRIVER, RABBITMQ_URL, RABBITMQ_EXCHANGE). Default the
   * PostgreSQL broker; on rabbitmq PostgreSQL still holds the services' own databases.
   */
  messaging?: MessagingEnvironment;
  /** Data folder of the embedded PostgreSQL. Default .data/postgres. */
  dataDir?: string;
  /** Port of the embedded PostgreSQL. Default: the one it used last (5433 the first time), or a free one if taken. */
  postgresPort?: number;
  /** Prefix of the database and role names (tests use it to run beside each other). Default none. */
  databasePrefix?: string;
  /** Where the generated role passwords are kept. Default database-roles.json beside the data folder (.data/), or none (this run only) with a prefix. */
  passwordsFile?: string | null;
  ports?: Partial<SystemPorts>;
  /** The registry of scaffolded workers to run too (npm run new:worker writes it); null: none. Default apps/workers.json. */
  workersFile?: string | null;
  /** Health ports of registered workers, by app name. Default: the port each is registered with. */
  workerPorts?: Record<string, number>;
  /** Use this SMTP server instead of starting the local catcher. */
  smtpUrl?: string;
  /** Slack-compatible webhook for dead-letter alerts. */
  alertWebhookUrl?: string;
  /** The order API's token key. Default: ORDER_API_JWT_SECRET(_FILE) if set, else .data/secrets/order-api-jwt-secret, made at the first start. */
  orderApiJwtSecret?: string;
  /** Extra environment for the apps (e.g. OTEL_EXPORTER_OTLP_ENDPOINT). */
  env?: Record<string, string>;
  /**
   * Extra environment for one app, by its name, winning over the rest; it is given the environment the launcher made
   * for that app (its role's *_DATABASE_URLs among it), e.g. for a fault test to send them through a proxy.
   */
  appEnv?: (app: string, env: Readonly<Record<string, string>>) => Record<string, string>;
  /** Where the interleaved logs go. Default stdout. */
  log?: (line: string) => void;
}

export interface RunningSystem {
  orderApiUrl: string;
  /** order-api's health and metrics (on 127.0.0.1 only). */
  orderApiOpsUrl: string;
  /** How the order API checks tokens: sign a customer's with signCustomerToken(orderApiAuth, customerId). */
  orderApiAuth: OrderApiAuthConfig & { secretFile?: string };
  paymentProviderUrl: string;
  smtpUrl: string;
  /** Health endpoint of each worker (payment-worker, notification-worker and the registered ones), on its ops port. */
  workerHealthUrls: Record<string, string>;
  /** The apps' broker. */
  broker: MessagingEnvironment;
  /** The PostgreSQL server, and for the embedded one its data folder. */
  server: { url: string; embedded?: { dataDir: string } };
  /** Each database for the server's superuser (tests look inside); the apps connect as their own roles. */
  databases: SystemDatabases;
  /** The URLs each app connects with, as its role (`worker`: the role of workers made by npm run new:worker). */
  appDatabases: SystemDatabaseAccess['apps'];
  /** Resolves with the reason when a service keeps dying and the launcher gave up (everything is then stopping). */
  failed: Promise<string>;
  /** The processes as first started (simulators and apps): a restart replaces one, so its `exited` is a death a test sees. */
  services: readonly ChildService[];
  /** The process running a service now, by name (`payment-worker`...): a restart replaces it. */
  current(name: string): ChildService;
  stop(): Promise<void>;
}

/**
 * Starts the whole reference system as processes: PostgreSQL (embedded unless a server is given), its databases,
 * roles and migrations (run as each database's owner role; the apps connect as roles that cannot run DDL and do not
 * migrate at start), the payment provider simulator and the SMTP catcher, then order-api, payment-worker,
 * notification-worker and the workers in the registry, on the broker `messaging` names (the PostgreSQL broker by
 * default, or RabbitMQ). Each is restarted with backoff if it dies. This is what `npm start` runs, and what the
 * end-to-end tests start. Problems the user can fix throw a LauncherError.
 */
export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const messaging: MessagingEnvironment = options.messaging ?? { driver: 'postgres' };
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const workersFile = options.workersFile === undefined ? DEFAULT_WORKERS_FILE : options.workersFile;
  const workers = (workersFile ? registeredWorkers(workersFile) : []).map((worker) => ({
    ...worker,
    port: options.workerPorts?.[worker.app] ?? worker.port,
  }));

  // The apps stop first (they finish their messages), then the simulators, then PostgreSQL.
  const apps: SupervisedService[] = [];
  const infrastructure: SupervisedService[] = [];
  let postgres: SupervisedService | null = null;
  let releaseDataDir = () => {};
  let giveUp!: (reason: string) => void;
  const failed = new Promise<string>((resolve) => (giveUp = resolve));
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all(apps.map((s) => s.stop()));
      await Promise.all(infrastructure.map((s) => s.stop()));
      await postgres?.stop(60_000);
      releaseDataDir();
    })());
  const supervise = (group: SupervisedService[] | null, name: string, file: string, baseEnv: Record<string, string>) => {
    const colour = apps.length + infrastructure.length;
    const env = { ...baseEnv, ...(group === apps ? options.appEnv?.(name, baseEnv) : {}) };
    const service = new SupervisedService(() => new ChildService(name, file, env, log, colour), { log, onGiveUp: giveUp });
    group?.push(service);
    return service;
  };
  try {
    // The order API's token key first: a bad one is refused before anything starts.
    let orderApiAuth: RunningSystem['orderApiAuth'];
    try {
      orderApiAuth = developmentAuth(options.orderApiJwtSecret ? { ...process.env, ORDER_API_JWT_SECRET: options.orderApiJwtSecret } : process.env);
    } catch (error) {
      throw new LauncherError(`${(error as Error).message}: unset it to use the key npm start makes, or give a longer one`);
    }
    let serverUrl = options.databaseUrl;
    let embedded: { dataDir: string } | undefined;
    const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
    // A second npm start on the same folder is told so first: its ports are taken too, but that is not the cause.
    if (!serverUrl) releaseDataDir = lockDataDir(dataDir);
    await assertPortsFree([
      ...(Object.keys(PORT_VARIABLES) as (keyof SystemPorts)[])
        .filter((key) => key !== 'smtp' || !options.smtpUrl)
        .map((key) => ({ service: key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), variable: PORT_VARIABLES[key], port: ports[key] })),
      ...workers.map(({ app, port }) => ({ service: app, variable: workerPortVariable(app), port })),
    ]);
    if (messaging.driver === 'rabbitmq') {
      const postgresOnly = postgresOnlyWorkers(workers);
      if (postgresOnly.length > 0) {
        throw new LauncherError(
          `${postgresOnly.join(', ')} (apps/workers.json) read only BROKER_DATABASE_URL, the PostgreSQL broker: unset MESSAGING_DRIVER, or read the broker as a new worker does (readMessagingEnvironment in its config, messagingConnection in its module) and add ${BROKER_VARIABLES.filter((name) => name !== 'BROKER_DATABASE_URL').join(', ')} to its env in apps/workers.json`,
        );
      }
      await assertRabbitmqReachable(messaging.rabbitmqUrl!);
    }
    log(`Broker: ${describeBroker(messaging)} (MESSAGING_DRIVER=${messaging.driver})`);
    if (serverUrl) {
      await assertServerReachable(serverUrl);
    } else {
      const { port, remember } = await choosePostgresPort(dataDir, options.postgresPort, log);
      log(`Starting the embedded PostgreSQL on port ${port} (data in ${displayPath(dataDir)})...`);
      postgres = supervise(null, 'postgres', fileURLToPath(new URL('./postgres-process.ts', import.meta.url)), { PGDATA_DIR: dataDir, PGPORT: String(port) });
      serverUrl = await postgres.service.waitForLine((line) => (line.includes('"event":"ready"') ? (JSON.parse(line.slice(line.indexOf('{'))).url as string) : undefined));
      if (remember) rememberPostgresPort(dataDir, port);
      embedded = { dataDir };
    }
    const prefix = options.databasePrefix ?? '';
    const passwordsFile = options.passwordsFile !== undefined ? options.passwordsFile : prefix ? null : passwordsFileFor(dataDir);
    const { databases, apps: appDatabases } = await createSystemDatabases(serverUrl, prefix, passwordsFile);
    log(`Databases ready on ${new URL(serverUrl).host}: ${Object.values(databases).map((u) => new URL(u).pathname.slice(1)).join(', ')} (migrated by their owner roles; each app connects as its own role)`);

    const provider = supervise(infrastructure, 'payment-provider', entry('payment-provider'), { PORT: String(ports.paymentProvider), HOST: '127.0.0.1' });
    const paymentProviderUrl = `http://127.0.0.1:${ports.paymentProvider}`;
    let smtpUrl = options.smtpUrl;
    if (!smtpUrl) {
      supervise(infrastructure, 'smtp-catcher', entry('smtp-catcher'), { PORT: String(ports.smtp) });
      smtpUrl = `smtp://127.0.0.1:${ports.smtp}`;
    }
    await waitUntilHealthy(provider.service, `${paymentProviderUrl}/health`);

    // The roles cannot run DDL: the migrations ran above, as the owners. Health and metrics on ports of their own,
    // reachable from this machine only.
    const common = { MIGRATE_ON_START: 'false', NODE_ENV: process.env.NODE_ENV ?? 'development', OPS_HOST: '127.0.0.1', ...options.env };
    const payment = supervise(apps, 'payment-worker', entry('payment-worker'), {
      ...common,
      ...brokerEnvironment(messaging, appDatabases['payment-worker'].broker),
      OTEL_SERVICE_NAME: 'payment-worker',
      OPS_PORT: String(ports.paymentWorker),
      PAYMENTS_DATABASE_URL: appDatabases['payment-worker'].own!,
      PAYMENT_PROVIDER_URL: paymentProviderUrl,
    });
    const notification = supervise(apps, 'notification-worker', entry('notification-worker'), {
      ...common,
      ...brokerEnvironment(messaging, appDatabases['notification-worker'].broker),
      OTEL_SERVICE_NAME: 'notification-worker',
      OPS_PORT: String(ports.notificationWorker),
      NOTIFICATIONS_DATABASE_URL: appDatabases['notification-worker'].own!,
      SMTP_URL: smtpUrl,
    });
    const api = supervise(apps, 'order-api', entry('order-api'), {
      ...common,
      ...brokerEnvironment(messaging, appDatabases['order-api'].broker),
      OTEL_SERVICE_NAME: 'order-api',
      PORT: String(ports.orderApi),
      OPS_PORT: String(ports.orderApiOps),
      ORDERS_DATABASE_URL: appDatabases['order-api'].own!,
      ...(orderApiAuth.secretFile ? { ORDER_API_JWT_SECRET_FILE: orderApiAuth.secretFile } : { ORDER_API_JWT_SECRET: orderApiAuth.secret }),
      ORDER_API_JWT_AUDIENCE: orderApiAuth.audience,
      ORDER_API_JWT_ISSUER: orderApiAuth.issuer,
      ...(options.alertWebhookUrl ? { ALERT_WEBHOOK_URL: options.alertWebhookUrl } : {}),
    });
    // What a registered worker may ask for; anything else is refused at start rather than left unset. One that asks
    // for the broker gets the apps' broker variables, as the worker role.
    const provided: Record<string, string> = { SMTP_URL: smtpUrl, PAYMENT_PROVIDER_URL: paymentProviderUrl };
    const known = [...BROKER_VARIABLES, ...Object.keys(provided)];
    const workerBroker = brokerEnvironment(messaging, appDatabases.worker.broker);
    const registered = workers.map((worker) => {
      const unknown = worker.env.filter((name) => !known.includes(name));
      if (unknown.length > 0) throw new LauncherError(`${worker.app} (apps/workers.json) asks for ${unknown.join(', ')}, which npm start does not provide: set its env to some of ${known.join(', ')}`);
      const env = {
        ...(worker.env.some((name) => BROKER_VARIABLES.includes(name)) ? workerBroker : {}),
        ...Object.fromEntries(worker.env.filter((name) => name in provided).map((name) => [name, provided[name]])),
      };
      // PORT for a worker scaffolded before workers had an ops port, OPS_PORT for the others.
      const port = String(worker.port);
      return { ...worker, service: supervise(apps, worker.app, worker.entry, { ...common, ...env, OTEL_SERVICE_NAME: worker.app, PORT: port, OPS_PORT: port }) };
    });

    const workerHealthUrls: Record<string, string> = {
      'payment-worker': `http://127.0.0.1:${ports.paymentWorker}/health`,
      'notification-worker': `http://127.0.0.1:${ports.notificationWorker}/health`,
      ...Object.fromEntries(registered.map(({ app, port }) => [app, `http://127.0.0.1:${port}/health`])),
    };
    await Promise.all([
      waitUntilHealthy(payment.service, workerHealthUrls['payment-worker']),
      waitUntilHealthy(notification.service, workerHealthUrls['notification-worker']),
      // The ops port is up at bootstrap, before the API's own port listens: wait for both.
      waitUntilHealthy(api.service, `http://127.0.0.1:${ports.orderApiOps}/health`).then(() => waitUntilHealthy(api.service, `http://127.0.0.1:${ports.orderApi}/`, { anyAnswer: true })),
      ...registered.map(({ app, service }) => waitUntilHealthy(service.service, workerHealthUrls[app])),
    ]);
    const current = (name: string) => {
      const found = [...infrastructure, ...apps].find((s) => s.service.name === name);
      if (!found) throw new LauncherError(`No service named ${name}`);
      return found.service;
    };
    return {
      orderApiUrl: `http://127.0.0.1:${ports.orderApi}`,
      orderApiOpsUrl: `http://127.0.0.1:${ports.orderApiOps}`,
      orderApiAuth,
      paymentProviderUrl,
      smtpUrl,
      workerHealthUrls,
      broker: messaging,
      server: { url: serverUrl, embedded },
      databases,
      appDatabases,
      failed,
      services: [...infrastructure, ...apps].map((s) => s.service),
      current,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
