import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The RabbitMQ the tests use (RABBITMQ_URL), or undefined: RabbitMQ tests then say they did not run. */
export const rabbitmqUrl = (): string | undefined => process.env.RABBITMQ_URL || undefined;

/**
 * Says on the console that a part of a test file did not run, and why (no RABBITMQ_URL). It registers no test: the
 * files that hold nothing else are left out of the run by the Jest config (tools/specs-not-run.js), which lists them.
 */
export function reportDidNotRun(title: string, reason: string): void {
  console.warn(`${title}: did not run (${reason})`);
}

/** `rabbitmqctl`, or the command in RABBITMQCTL (e.g. `docker exec rabbitmq rabbitmqctl`). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const [command, ...prefix] = (process.env.RABBITMQCTL ?? 'rabbitmqctl').split(' ').filter(Boolean);
  const { stdout } = await run(command, [...prefix, ...args], { timeout: 30_000 });
  return stdout;
}

export interface TestVhost {
  readonly name: string;
  /** RABBITMQ_URL pointing at this vhost. */
  readonly url: string;
  /** Closes every client connection to this vhost from the server side (a broker-side connection loss). */
  closeConnections(reason?: string): Promise<number>;
  /** Deletes the vhost with everything in it. */
  drop(): Promise<void>;
}

/**
 * A fresh vhost for one test file, so files can run side by side on one shared RabbitMQ without seeing each
 * other's exchanges and queues. Needs rabbitmqctl on the machine (or RABBITMQCTL); the URL's user gets full rights.
 */
export async function createTestVhost(prefix = 'test'): Promise<TestVhost> {
  const base = rabbitmqUrl();
  if (!base) throw new Error('RABBITMQ_URL is not set');
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const url = new URL(base);
  const user = decodeURIComponent(url.username) || 'guest';
  await rabbitmqctl('add_vhost', name);
  await rabbitmqctl('set_permissions', '-p', name, user, '.*', '.*', '.*');
  url.pathname = `/${encodeURIComponent(name)}`;
  return {
    name,
    url: url.toString(),
    closeConnections: async (reason = 'closed by the test') => {
      const rows = (await rabbitmqctl('-q', 'list_connections', '--no-table-headers', 'pid', 'vhost'))
        .split('\n')
        .map((line) => line.trim().split(/\t/))
        .filter(([pid, vhost]) => pid && vhost === name);
      for (const [pid] of rows) await rabbitmqctl('close_connection', pid, reason);
      return rows.length;
    },
    drop: async () => {
      await rabbitmqctl('delete_vhost', name);
    },
  };
}
