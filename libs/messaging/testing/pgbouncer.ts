import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './free-port.js';

export interface RunningPgBouncer {
  /** postgres://<user>@127.0.0.1:<port>/<database>, through PgBouncer. */
  url: string;
  port: number;
  /** Everything PgBouncer logged so far. */
  readonly log: string;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The PostgreSQL database PgBouncer pools connections to. */
  upstreamUrl: string;
  /** Server connections per database and user (PgBouncer's default_pool_size). Default 5. */
  poolSize?: number;
  /** PgBouncer's pool_mode. Default 'transaction'. */
  poolMode?: 'session' | 'transaction' | 'statement';
}

/** Debian installs PgBouncer in /usr/sbin, which is not on every user's PATH. */
function findPgBouncer(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, 'pgbouncer');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('pgbouncer is not installed (not on PATH nor in /usr/sbin): apt-get install -y pgbouncer (.ci/run does it)');
}

/**
 * Starts a real PgBouncer in the foreground as a child process, on a free port, with its ini in a temp folder:
 * clients are trusted, PgBouncer logs in to the upstream server with the URL's user and password. As root it runs
 * as the `postgres` user, since PgBouncer refuses to run as root.
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<RunningPgBouncer> {
  const binary = findPgBouncer();
  const upstream = new URL(options.upstreamUrl);
  const database = decodeURIComponent(upstream.pathname.slice(1));
  const user = decodeURIComponent(upstream.username || 'postgres');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pgm-pgbouncer-'));
  chmodSync(dir, 0o755);
  const server = [`host=${upstream.hostname}`, `port=${upstream.port || 5432}`, `dbname=${database}`, `user=${user}`];
  if (upstream.password) server.push(`password=${decodeURIComponent(upstream.password)}`);
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${database} = ${server.join(' ')}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      `pool_mode = ${options.poolMode ?? 'transaction'}`,
      'max_client_conn = 1000',
      `default_pool_size = ${options.poolSize ?? 5}`,
      '',
    ].join('\n'),
  );
  const asUser = process.getuid?.() === 0 ? ['-u', 'postgres'] : [];
  const child: ChildProcess = spawn(binary, [...asUser, join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('process up')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', reject);
    void exited.then(() => reject(new Error(`pgbouncer exited at start: ${log}`)));
  });
  const url = new URL(`postgres://127.0.0.1:${port}/${encodeURIComponent(database)}`);
  url.username = encodeURIComponent(user);
  return {
    url: url.toString(),
    port,
    get log() {
      return log;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
