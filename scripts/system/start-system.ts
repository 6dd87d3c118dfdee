import { fileURLToPath } from 'node:url';
import { ChildService, waitUntilHealthy } from './child-service.js';
import { displayPath, lockDataDir } from './data-dir-lock.js';
import { createSystemDatabases, type SystemDatabases } from './databases.js';
import { LauncherError } from './launcher-error.js';
import { choosePostgresPort, rememberPostgresPort } from './postgres-port.js';
import { assertPortsFree, DEFAULT_PORTS, PORT_VARIABLES, workerPortVariable, type SystemPorts } from './ports.js';
import { assertServerReachable } from './server-check.js';
import { SupervisedService } from './supervised-service.js';
import { registeredWorkers } from './worker-registry.js';

export { DEFAULT_PORTS, type SystemPorts } from './ports.js';

const entry = (app: string) => fileURLToPath(new URL(`../../apps/${app}/src/main.ts`, import.meta.url));
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../.data/postgres', import.meta.url));
export const DEFAULT_WORKERS_FILE = fileURLToPath(new URL('../../apps/workers.json', import.meta.url));

export interface SystemOptions {
  /** A PostgreSQL server to use (any database on it; the system's databases are created beside it). Default: embedded. */
  databaseUrl?: string;
  /** Data folder of the embedded PostgreSQL. Default .data/postgres. */
  dataDir?: string;
  /** Port of the embedded PostgreSQL. Default: the one it used last (5433 the first time), or a free one if taken. */
  postgresPort?: number;
  /** Prefix of the database names (tests use it to run beside each other). Default none. */
  databasePrefix?: string;
  ports?: Partial<SystemPorts>;
  /** The registry of scaffolded workers to run too (npm run new:worker writes it); null: none. Default apps/workers.json. */
  workersFile?: string | null;
  /** Health ports of registered workers, by app name. Default: the port each is registered with. */
  workerPorts?: Record<string, number>;
  /** Use this SMTP server instead of starting the local catcher. */
  smtpUrl?: string;
  /** Slack-compatible webhook for dead-letter alerts. */
  alertWebhookUrl?: string;
  /** Extra environment for the apps (e.g. OTEL_EXPORTER_OTLP_ENDPOINT). */
  env?: Record<string, string>;
  /** Extra environment for one app, by its name, winning over the rest (a fault test sends one worker's database URLs through a proxy). */
  appEnv?: (app: string, databases: SystemDatabases) => Record<string, string>;
  /** Where the interleaved logs go. Default stdout. */
  log?: (line: string) => void;
}

export interface RunningSystem {
  orderApiUrl: string;
  paymentProviderUrl: string;
  smtpUrl: string;
  /** Health endpoint of each worker (payment-worker, notification-worker and the registered ones). */
  workerHealthUrls: Record<string, string>;
  /** The PostgreSQL server, and for the embedded one its data folder. */
  server: { url: string; embedded?: { dataDir: string } };
  databases: SystemDatabases;
  /** Resolves with the reason when a service keeps dying and the launcher gave up (everything is then stopping). */
  failed: Promise<string>;
  /** The processes as first started (simulators and apps): a restart replaces one, so its `exited` is a death a test sees. */
  services: readonly ChildService[];
  /** The process running a service now, by name (`payment-worker`...): a restart replaces it. */
  current(name: string): ChildService;
  stop(): Promise<void>;
}

/**
 * Starts the whole reference system as processes: PostgreSQL (embedded unless a server is given), its databases and
 * migrations, the payment provider simulator and the SMTP catcher, then order-api, payment-worker,
 * notification-worker and the workers in the registry. Each is restarted with backoff if it dies. This is what
 * `npm start` runs, and what the end-to-end tests start. Problems the user can fix throw a LauncherError.
 */
export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
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
  let databases: SystemDatabases | undefined;
  const supervise = (group: SupervisedService[] | null, name: string, file: string, baseEnv: Record<string, string>) => {
    const colour = apps.length + infrastructure.length;
    const env = { ...baseEnv, ...(group === apps && databases ? options.appEnv?.(name, databases) : {}) };
    const service = new SupervisedService(() => new ChildService(name, file, env, log, colour), { log, onGiveUp: giveUp });
    group?.push(service);
    return service;
  };
  try {
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
    databases = await createSystemDatabases(serverUrl, options.databasePrefix ?? '');
    log(`Databases ready on ${new URL(serverUrl).host}: ${Object.values(databases).map((u) => new URL(u).pathname.slice(1)).join(', ')}`);

    const provider = supervise(infrastructure, 'payment-provider', entry('payment-provider'), { PORT: String(ports.paymentProvider), HOST: '127.0.0.1' });
    const paymentProviderUrl = `http://127.0.0.1:${ports.paymentProvider}`;
    let smtpUrl = options.smtpUrl;
    if (!smtpUrl) {
      supervise(infrastructure, 'smtp-catcher', entry('smtp-catcher'), { PORT: String(ports.smtp) });
      smtpUrl = `smtp://127.0.0.1:${ports.smtp}`;
    }
    await waitUntilHealthy(provider.service, `${paymentProviderUrl}/health`);

    const common = { BROKER_DATABASE_URL: databases.broker, NODE_ENV: process.env.NODE_ENV ?? 'development', ...options.env };
    const payment = supervise(apps, 'payment-worker', entry('payment-worker'), {
      ...common,
      OTEL_SERVICE_NAME: 'payment-worker',
      PORT: String(ports.paymentWorker),
      PAYMENTS_DATABASE_URL: databases.payments,
      PAYMENT_PROVIDER_URL: paymentProviderUrl,
    });
    const notification = supervise(apps, 'notification-worker', entry('notification-worker'), {
      ...common,
      OTEL_SERVICE_NAME: 'notification-worker',
      PORT: String(ports.notificationWorker),
      NOTIFICATIONS_DATABASE_URL: databases.notifications,
      SMTP_URL: smtpUrl,
    });
    const api = supervise(apps, 'order-api', entry('order-api'), {
      ...common,
      OTEL_SERVICE_NAME: 'order-api',
      PORT: String(ports.orderApi),
      ORDERS_DATABASE_URL: databases.orders,
      ...(options.alertWebhookUrl ? { ALERT_WEBHOOK_URL: options.alertWebhookUrl } : {}),
    });
    // What a registered worker may ask for; anything else is refused at start rather than left unset.
    const provided: Record<string, string> = { BROKER_DATABASE_URL: databases.broker, SMTP_URL: smtpUrl, PAYMENT_PROVIDER_URL: paymentProviderUrl };
    const registered = workers.map((worker) => {
      const unknown = worker.env.filter((name) => !(name in provided));
      if (unknown.length > 0) throw new LauncherError(`${worker.app} (apps/workers.json) asks for ${unknown.join(', ')}, which npm start does not provide: set its env to some of ${Object.keys(provided).join(', ')}`);
      const env = Object.fromEntries(worker.env.map((name) => [name, provided[name]]));
      return { ...worker, service: supervise(apps, worker.app, worker.entry, { ...common, ...env, OTEL_SERVICE_NAME: worker.app, PORT: String(worker.port) }) };
    });

    const workerHealthUrls: Record<string, string> = {
      'payment-worker': `http://127.0.0.1:${ports.paymentWorker}/health`,
      'notification-worker': `http://127.0.0.1:${ports.notificationWorker}/health`,
      ...Object.fromEntries(registered.map(({ app, port }) => [app, `http://127.0.0.1:${port}/health`])),
    };
    await Promise.all([
      waitUntilHealthy(payment.service, workerHealthUrls['payment-worker']),
      waitUntilHealthy(notification.service, workerHealthUrls['notification-worker']),
      waitUntilHealthy(api.service, `http://127.0.0.1:${ports.orderApi}/health`),
      ...registered.map(({ app, service }) => waitUntilHealthy(service.service, workerHealthUrls[app])),
    ]);
    const current = (name: string) => {
      const found = [...infrastructure, ...apps].find((s) => s.service.name === name);
      if (!found) throw new LauncherError(`No service named ${name}`);
      return found.service;
    };
    return { orderApiUrl: `http://127.0.0.1:${ports.orderApi}`, paymentProviderUrl, smtpUrl, workerHealthUrls, server: { url: serverUrl, embedded }, databases, failed, services: [...infrastructure, ...apps].map((s) => s.service), current, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
