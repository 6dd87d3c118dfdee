import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type RunningPostgres } from '../embedded-postgres.js';

/** The settings a crash test relies on: a commit the server acknowledged survives a crash (reliability.md §1.4). */
export const DURABILITY_SETTINGS = { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' } as const;

export interface PostgresFixture {
  /** postgres://…@127.0.0.1:<port>/postgres: the same address across restarts. */
  readonly url: string;
  readonly port: number;
  /** Crashes done so far (SIGKILL of the postmaster). */
  readonly crashes: number;
  /** SIGKILLs the postmaster (no shutdown checkpoint: the next start runs crash recovery); resolves once it is gone. */
  crash(): Promise<void>;
  /** Starts it again (same data, same port), waits until it accepts connections, re-asserts the settings. */
  restart(): Promise<void>;
  /** Stops it cleanly and deletes its data folder. */
  cleanStop(): Promise<void>;
  /** Settles when the running server exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * A PostgreSQL of its own for a fault test (the shared test server must stay up): the embedded server in a fresh
 * temporary folder on a free port, with fsync, synchronous_commit and full_page_writes set on and checked with
 * SHOW at every start.
 */
export async function startPostgresFixture(options: { label?: string; settings?: Record<string, string> } = {}): Promise<PostgresFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), `pgm-fault-${options.label ?? 'pg'}-`));
  let server: RunningPostgres;
  try {
    server = await startEmbeddedPostgres({ dataDir: join(dataDir, 'data'), settings: { ...options.settings, ...DURABILITY_SETTINGS } });
    await assertDurable(server.url);
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  let crashes = 0;
  return {
    url: server.url,
    port: server.port,
    get crashes() {
      return crashes;
    },
    get exited() {
      return server.exited;
    },
    crash: async () => {
      crashes++;
      await server.crash();
    },
    restart: async () => {
      await server.start();
      await assertDurable(server.url);
    },
    cleanStop: async () => {
      await server.stop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Throws unless every durability setting reads `on`. */
export async function assertDurable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (const [name, expected] of Object.entries(DURABILITY_SETTINGS)) {
      const { rows } = await client.query<Record<string, string>>(`SHOW ${name}`);
      const actual = rows[0][name];
      if (actual !== expected) throw new Error(`PostgreSQL ${name} is ${actual}, a crash test needs ${expected}`);
    }
  } finally {
    await client.end();
  }
}
