// `npm run migrate`: sets up the databases of the reference system on DATABASE_URL (a superuser; default the
// embedded PostgreSQL of npm start, DATA_DIR) as npm start does: roles (passwords generated into
// .data/database-roles.json), every migration run by the database's owner role, the apps' grants.
import { resolve } from 'node:path';
import { createSystemDatabases, passwordsFileFor } from './system/databases.js';
import { rememberedPostgresPort } from './system/postgres-port.js';
import { redactedUrl } from './system/server-check.js';
import { DEFAULT_DATA_DIR } from './system/start-system.js';

const dataDir = process.env.DATA_DIR ? resolve(process.env.DATA_DIR) : DEFAULT_DATA_DIR;

function serverUrl(): string | undefined {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const port = rememberedPostgresPort(dataDir);
  return port ? `postgres://postgres:postgres@127.0.0.1:${port}/postgres` : undefined;
}

const url = serverUrl();
const passwords = passwordsFileFor(dataDir);
if (!url) {
  console.error('No PostgreSQL to migrate: set DATABASE_URL (a superuser), or run npm start first.');
  process.exit(1);
}
try {
  const { databases } = await createSystemDatabases(url, '', passwords);
  console.log(`Migrated ${Object.values(databases).map((u) => new URL(u).pathname.slice(1)).join(', ')} on ${redactedUrl(url)} as their owner roles (role passwords in ${passwords}).`);
} catch (error) {
  console.error(`npm run migrate failed: ${(error as Error).message}`);
  process.exit(1);
}
