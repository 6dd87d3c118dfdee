import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * apps/workers.json: the workers `npm run new:worker` made, which `npm start` runs beside the reference system
 * without a change to the launcher. Each names its entry (relative to the registry's folder), its default health
 * port and the variables it needs from the launcher.
 */
export interface RegisteredWorker {
  entry: string;
  port: number;
  /**
   * Variables the launcher sets for it: SMTP_URL, PAYMENT_PROVIDER_URL, and the broker (any of MESSAGING_DRIVER,
   * RABBITMQ_URL, RABBITMQ_EXCHANGE, BROKER_DATABASE_URL: it gets those of the broker the system runs on).
   */
  env: string[];
}

export interface WorkerRegistry {
  $comment?: string;
  workers: Record<string, RegisteredWorker>;
}

export const REGISTRY_COMMENT = 'Workers npm start runs beside the reference system: npm run new:worker adds one, npm run remove:worker removes it.';

export function readWorkerRegistry(file: string): WorkerRegistry {
  if (!existsSync(file)) return { $comment: REGISTRY_COMMENT, workers: {} };
  const registry = JSON.parse(readFileSync(file, 'utf8')) as WorkerRegistry;
  if (typeof registry.workers !== 'object' || registry.workers === null) throw new Error(`${file} has no "workers" object`);
  return registry;
}

export function writeWorkerRegistry(file: string, registry: WorkerRegistry): void {
  writeFileSync(file, `${JSON.stringify(registry, null, 2)}\n`);
}

/** The registry's workers with their entry files resolved. */
export function registeredWorkers(file: string): { app: string; entry: string; port: number; env: string[] }[] {
  return Object.entries(readWorkerRegistry(file).workers).map(([app, worker]) => ({ app, ...worker, entry: resolve(dirname(file), worker.entry) }));
}
