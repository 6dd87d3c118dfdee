// `npm run remove:worker -- <name>`: the opposite of new:worker. Takes the worker out of nest-cli.json,
// docker-compose.yml and apps/workers.json, and deletes its queues (with their messages) from the broker, so that
// a queue nobody consumes any more does not fill forever. The broker is BROKER_DATABASE_URL, or by default the
// embedded PostgreSQL of npm start (which must be running). On RabbitMQ (MESSAGING_DRIVER=rabbitmq) AMQP cannot list
// queues, so it says which to delete instead. The code in apps/<name>-worker stays.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readMessagingEnvironment } from '@app/messaging';
import { deleteWorkerQueues, unregisterWorker } from './new-worker/remove-worker.js';
import { rememberedPostgresPort } from './system/postgres-port.js';
import { redactedUrl } from './system/server-check.js';
import { DEFAULT_DATA_DIR } from './system/start-system.js';

const input = process.argv[2];
if (!input) {
  console.error('Usage: npm run remove:worker -- <name>      e.g. npm run remove:worker -- shipping');
  process.exit(2);
}

function brokerUrl(): string | undefined {
  if (process.env.BROKER_DATABASE_URL) return process.env.BROKER_DATABASE_URL;
  if (process.env.DATABASE_URL) return Object.assign(new URL(process.env.DATABASE_URL), { pathname: '/broker' }).toString();
  const port = rememberedPostgresPort(process.env.DATA_DIR ?? DEFAULT_DATA_DIR);
  return port ? `postgres://postgres:postgres@127.0.0.1:${port}/broker` : undefined;
}

try {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const { app, name, removedFrom } = unregisterWorker(root, input);
  console.log(removedFrom.length > 0 ? `Removed ${app} from ${removedFrom.join(', ')}.` : `${app} was not registered anywhere.`);
  if (readMessagingEnvironment(process.env).driver === 'rabbitmq') {
    console.log(
      `On RabbitMQ its queues stay: AMQP cannot list them. Delete those named ${name}.* (with their .dlq and .delay.<ms> queues) in the management UI, or with rabbitmqctl list_queues name and rabbitmqctl delete_queue <queue>.`,
    );
    process.exit(0);
  }
  const url = brokerUrl();
  if (!url) {
    console.error(`No broker to delete ${name}.* queues from: set BROKER_DATABASE_URL to the broker database as the superuser (or a member of broker_admin: the worker role npm start prints may not delete queues) and run this again.`);
    process.exit(1);
  }
  try {
    const deleted = await deleteWorkerQueues(url, name);
    console.log(
      deleted.length > 0
        ? `Deleted from the broker: ${deleted.map((d) => `${d.queue} (${d.messages} messages)`).join(', ')}.`
        : `The broker at ${redactedUrl(url)} has no ${name}.* queues.`,
    );
  } catch (error) {
    console.error(`Could not delete the ${name}.* queues at ${redactedUrl(url)} (${(error as Error).message}): start npm start (or set BROKER_DATABASE_URL) and run this again.`);
    process.exit(1);
  }
  if (existsSync(`${root}apps/${app}`)) console.log(`Its code is still in apps/${app}: delete the folder when you no longer need it.`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
