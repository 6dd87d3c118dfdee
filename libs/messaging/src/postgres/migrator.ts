import pg from 'pg';
import { survivingConnectionErrors, type SqlClient } from './sql-executor.js';
import { quoteIdent, schemaIdent } from './identifiers.js';

/** One numbered step of a set: `up` renders its SQL for the validated, quoted schema name. */
export interface Migration {
  version: number;
  name: string;
  up(schema: string): string;
}

/** A numbered, append-only list of migrations and the table in the schema that records which ran. */
export interface MigrationSet {
  name: string;
  table: string;
  migrations: readonly Migration[];
}

/** The newest version of a set. */
export function latestVersion(set: MigrationSet): number {
  return set.migrations[set.migrations.length - 1].version;
}

/**
 * Brings a schema up to date with a migration set, in one transaction. A transaction-scoped advisory lock keyed by
 * the schema and set serialises concurrent migrators (two processes booting at once): the second waits, then
 * finds nothing to do. Returns the versions it applied.
 */
export async function applyMigrations(client: SqlClient, schema: string, set: MigrationSet): Promise<number[]> {
  const s = schemaIdent(schema);
  const table = `${s}.${quoteIdent(set.table)}`;
  const latest = latestVersion(set);
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('pg-messaging migrate ' || $1 || ' ' || $2, 0))`, [schema, set.name]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${table}`);
    const done = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...done);
    if (newest > latest) {
      throw new Error(`Schema ${schema} is at ${set.name} version ${newest}, newer than this library knows (${latest}); upgrade the library`);
    }
    for (const migration of set.migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.up(s));
      await client.query(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return applied;
}

/** Migrates a schema of the database at `url` with its own short-lived connection. */
export async function applyMigrationsToDatabase(url: string, schema: string, set: MigrationSet): Promise<number[]> {
  const client = survivingConnectionErrors(new pg.Client({ connectionString: url }));
  await client.connect();
  try {
    return await applyMigrations(client, schema, set);
  } finally {
    await client.end();
  }
}
