// Test files that cannot run on this machine, and why: Jest leaves them out (testPathIgnorePatterns) and the global
// setup prints the list, so a run without RabbitMQ says plainly what it did not test instead of passing placeholders.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const RABBITMQ_ONLY = ['libs/messaging/test/rabbitmq/', 'libs/messaging/test/conformance/rabbitmq.spec.ts', 'test/faults/t03-paused-holder.spec.ts', 'test/rabbitmq-cluster/'];
const CLUSTER = ['test/rabbitmq-cluster/'];

const rabbitMqServerHere = () =>
  Boolean(process.env.RABBITMQ_SCRIPTS_DIR) || (process.env.PATH ?? '').split(delimiter).some((dir) => existsSync(join(dir, 'rabbitmq-server')));

/** `{ paths, reason }` for each group of test files (paths from the repository's root) this machine cannot run. */
export function specsNotRun(env = process.env) {
  if (!env.RABBITMQ_URL) return [{ paths: RABBITMQ_ONLY, reason: 'RABBITMQ_URL is not set' }];
  if (!rabbitMqServerHere()) return [{ paths: CLUSTER, reason: 'rabbitmq-server is not installed here (the cluster test starts its own nodes)' }];
  return [];
}

/** The groups' paths as Jest's testPathIgnorePatterns. */
export const ignorePatterns = (groups) => groups.flatMap((group) => group.paths.map((path) => `<rootDir>/${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
