import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { uniqueSchemaName } from './test-database.js';

const run = promisify(execFile);

/** The RabbitMQ the tests use: RABBITMQ_URL, or undefined where none is configured (those tests then say so). */
export function testRabbitMqUrl(): string | undefined {
  return process.env.RABBITMQ_URL || undefined;
}

export interface TestVhost {
  name: string;
  /** RABBITMQ_URL pointing at this vhost. */
  url: string;
  /** Deletes the vhost with everything in it. */
  delete(): Promise<void>;
}

async function rabbitmqctl(...args: string[]): Promise<void> {
  await run(process.env.RABBITMQCTL ?? 'rabbitmqctl', args, { timeout: 60_000 });
}

/**
 * A fresh vhost on the test RabbitMQ (through rabbitmqctl on this machine; the management plugin is not needed),
 * with the URL's user given every permission on it: a test file's exchanges and queues never meet another's.
 */
export async function createTestVhost(label: string, baseUrl: string): Promise<TestVhost> {
  const name = uniqueSchemaName(label);
  const base = new URL(baseUrl);
  await rabbitmqctl('add_vhost', name);
  await rabbitmqctl('set_permissions', '-p', name, decodeURIComponent(base.username || 'guest'), '.*', '.*', '.*');
  const url = new URL(base);
  url.pathname = `/${encodeURIComponent(name)}`;
  return { name, url: url.toString(), delete: () => rabbitmqctl('delete_vhost', name) };
}
