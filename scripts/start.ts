// `npm start`: the whole reference system on this machine. PostgreSQL is embedded unless DATABASE_URL is set.
// Ports: PORT_ORDER_API, PORT_PAYMENT_WORKER, PORT_NOTIFICATION_WORKER, PORT_PAYMENT_PROVIDER, PORT_SMTP,
// PORT_<WORKER> for a registered worker, or one PORT_BASE; PORT_POSTGRES and DATA_DIR for the embedded server.
// The broker: MESSAGING_DRIVER=rabbitmq with RABBITMQ_URL (and RABBITMQ_EXCHANGE) puts it on RabbitMQ; the services'
// own databases stay on PostgreSQL.
import { resolve } from 'node:path';
import { InvalidArgumentError, readMessagingEnvironment, type MessagingEnvironment } from '@app/messaging';
import { banner } from './system/banner.js';
import { LauncherError } from './system/launcher-error.js';
import { portNumber, portsFromEnvironment } from './system/ports.js';
import { DEFAULT_WORKERS_FILE, startSystem, type RunningSystem } from './system/start-system.js';
import { registeredWorkers } from './system/worker-registry.js';

function fail(error: unknown): never {
  console.error(error instanceof LauncherError ? error.message : `npm start failed: ${(error as Error)?.stack ?? String(error)}`);
  process.exit(1);
}

// Interrupted while starting: the services (in their own process groups) see the launcher's pipe close and stop
// themselves, PostgreSQL last; 130 is the shell's code for "ended by Ctrl-C".
const interrupted = () => {
  console.log('\nStopping (interrupted while starting)...');
  process.exit(130);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, interrupted);

function messagingEnvironment(): MessagingEnvironment {
  try {
    return readMessagingEnvironment(process.env);
  } catch (error) {
    throw error instanceof InvalidArgumentError ? new LauncherError(error.message) : error;
  }
}

let system: RunningSystem;
try {
  const messaging = messagingEnvironment();
  const workersFile = process.env.WORKERS_FILE ? resolve(process.env.WORKERS_FILE) : DEFAULT_WORKERS_FILE;
  const { ports, workerPorts } = portsFromEnvironment(process.env, registeredWorkers(workersFile));
  system = await startSystem({
    messaging,
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: process.env.DATA_DIR ? resolve(process.env.DATA_DIR) : undefined,
    postgresPort: process.env.PORT_POSTGRES ? portNumber('PORT_POSTGRES', process.env.PORT_POSTGRES) : undefined,
    ports,
    workersFile,
    workerPorts,
    alertWebhookUrl: process.env.ALERT_WEBHOOK_URL,
    env: Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k.startsWith('OTEL_') && v !== undefined)) as Record<string, string>,
  });
} catch (error) {
  fail(error);
}
console.log(banner(system));
let stopping = false;
const stopAll = (message: string, code: number) => {
  if (stopping) return;
  stopping = true;
  console.log(message);
  void system.stop().then(() => process.exit(code));
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.off(signal, interrupted);
  process.on(signal, () => stopAll('\nStopping...', 0));
}
void system.failed.then((reason) => stopAll(reason, 1));
