// Jest loads global setup outside its module system, so this file is plain JavaScript and loads the TypeScript
// helpers through the project's loader.
import './register.js';
import { specsNotRun } from './specs-not-run.js';

/**
 * Every TsProcess a test starts runs under the project's loader (the variable reaches the test workers and their
 * children). Uses DATABASE_URL when set; otherwise starts the embedded PostgreSQL (data in .data/postgres-test).
 */
export default async function globalSetup() {
  for (const { paths, reason } of specsNotRun()) console.log(`\nDid not run (${reason}): ${paths.join(', ')}`);
  const { TS_LOADER } = await import('./loader.ts');
  const { TS_PROCESS_IMPORT } = await import('../libs/messaging/testing/child-process.ts');
  process.env[TS_PROCESS_IMPORT] ??= TS_LOADER;
  if (process.env.DATABASE_URL) {
    console.log(`\nTests use DATABASE_URL (${new URL(process.env.DATABASE_URL).host})`);
    return;
  }
  const { repoDataDir, startRepoPostgres } = await import('./embedded-postgres.ts');
  const server = await startRepoPostgres({ dataDir: repoDataDir('postgres-test') });
  globalThis.__EMBEDDED_POSTGRES__ = server;
  process.env.DATABASE_URL = server.url;
  console.log(`\nTests use an embedded PostgreSQL on port ${server.port}`);
}
