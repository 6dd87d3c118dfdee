// The embedded PostgreSQL servers of the repository's own commands: npm start's (scripts/system/postgres-process.ts),
// npm run db:start, the test run without DATABASE_URL (tools/jest-global-setup.js) and the benchmark's. The server
// is the test kit's startEmbeddedPostgres, a helper library users get too (the fault harness crashes it); what
// belongs to the repository is where each one keeps its data: a folder of .data/ (git-ignored).
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// The module, not the kit's index: the launcher's PostgreSQL process loads none of the library.
import { startEmbeddedPostgres, type EmbeddedPostgresOptions, type RunningPostgres } from '../libs/messaging/testing/embedded-postgres.js';

export type { RunningPostgres };

/** A data folder under .data/: `postgres` (npm start, db:start), `postgres-test`, `postgres-bench`. */
export function repoDataDir(name: string): string {
  return fileURLToPath(new URL(`../.data/${name}`, import.meta.url));
}

export interface RepoPostgresOptions extends EmbeddedPostgresOptions {
  /** Deletes the data folder first, so the server starts on an empty cluster. Default false: the data is kept. */
  fresh?: boolean;
}

/** Starts the embedded PostgreSQL on `dataDir` (initialised on first use). */
export async function startRepoPostgres({ fresh = false, ...options }: RepoPostgresOptions): Promise<RunningPostgres> {
  if (fresh) rmSync(options.dataDir, { recursive: true, force: true });
  return startEmbeddedPostgres(options);
}
