// Jest loads global setup outside its module system, so this file is plain JavaScript and loads the TypeScript
// helper through the project's loader (scripts/register.js).
import '../../../scripts/register.js';

/** Uses DATABASE_URL when set; otherwise starts the embedded PostgreSQL (data in .data/postgres-test, git-ignored). */
export default async function globalSetup() {
  if (process.env.DATABASE_URL) {
    console.log(`\nTests use DATABASE_URL (${new URL(process.env.DATABASE_URL).host})`);
    return;
  }
  const { startEmbeddedPostgres } = await import('./embedded-postgres.ts');
  const dataDir = new URL('../../../.data/postgres-test', import.meta.url).pathname;
  const server = await startEmbeddedPostgres({ dataDir });
  globalThis.__EMBEDDED_POSTGRES__ = server;
  process.env.DATABASE_URL = server.url;
  console.log(`\nTests use an embedded PostgreSQL on port ${server.port}`);
}
