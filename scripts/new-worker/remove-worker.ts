import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Broker } from '@app/messaging';
import { readWorkerRegistry, writeWorkerRegistry } from '../system/worker-registry.js';
import { composeServices, readComposeFile, writeComposeFile } from './compose-files.js';
import { EDITED_FILES, workerNames } from './scaffold.js';

/**
 * Takes a worker out of nest-cli.json, docker-compose.yml, docker-compose.rabbitmq.yml and apps/workers.json (npm
 * start stops running it).
 * Its code in apps/<app> stays: it is the user's. Returns where it was registered.
 */
export function unregisterWorker(root: string, input: string): { app: string; name: string; removedFrom: string[] } {
  const { app, name } = workerNames(input, 0);
  const removedFrom: string[] = [];
  const nestCliPath = join(root, EDITED_FILES.nestCli);
  const nestCli = JSON.parse(readFileSync(nestCliPath, 'utf8'));
  if (nestCli.projects?.[app]) {
    delete nestCli.projects[app];
    writeFileSync(nestCliPath, `${JSON.stringify(nestCli, null, 2)}\n`);
    removedFrom.push(EDITED_FILES.nestCli);
  }
  for (const file of [EDITED_FILES.compose, EDITED_FILES.composeRabbitmq]) {
    const doc = readComposeFile(join(root, file));
    if (doc && composeServices(doc, file).delete(app)) {
      writeComposeFile(join(root, file), doc);
      removedFrom.push(file);
    }
  }
  const registryPath = join(root, EDITED_FILES.registry);
  const registry = readWorkerRegistry(registryPath);
  if (existsSync(registryPath) && registry.workers[app]) {
    delete registry.workers[app];
    writeWorkerRegistry(registryPath, registry);
    removedFrom.push(EDITED_FILES.registry);
  }
  return { app, name, removedFrom };
}

/**
 * Deletes the worker's queues from the broker, with their bindings and messages: those its service name owns
 * (`<name>.…`, the names @Consume gives, and their dead-letter queues). Dead-letter queues go last, since a queue
 * that dead-letters into one must go first. Returns the queues deleted and how many messages went with them.
 */
export async function deleteWorkerQueues(brokerDatabaseUrl: string, name: string): Promise<{ queue: string; messages: number }[]> {
  const broker = await Broker.connect({ connectionString: brokerDatabaseUrl, poolSize: 1 });
  try {
    const owned = (await broker.listQueues()).map((q) => q.name).filter((queue) => queue.startsWith(`${name}.`));
    const ordered = [...owned.filter((q) => !q.endsWith('.dlq')), ...owned.filter((q) => q.endsWith('.dlq'))];
    const deleted: { queue: string; messages: number }[] = [];
    for (const queue of ordered) deleted.push({ queue, messages: await broker.deleteQueue(queue) });
    return deleted;
  } finally {
    await broker.close();
  }
}
