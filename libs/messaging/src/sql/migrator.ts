import type { SqlClient } from '../broker/sql-executor.js';
import { schemaIdent } from './identifiers.js';
import * as m0001 from './migrations/0001_broker_schema.js';
import * as m0002 from './migrations/0002_deduplication.js';

interface Migration {
  version: number;
  name: string;
  up(schema: string): string;
}

/** Every migration, in order. Append only. */
const MIGRATIONS: readonly Migration[] = [m0001, m0002];

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * Brings the broker schema up to date in one transaction. A transaction-scoped advisory lock keyed by the schema name
 * serialises concurrent migrators (two processes booting at once): the second waits, then finds nothing to do.
 * Returns the versions it applied.
 */
export async function migrate(client: SqlClient, schema: string): Promise<number[]> {
  const s = schemaIdent(schema);
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('pg-messaging migrate ' || $1, 0))`, [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
    const done = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...done);
    if (newest > LATEST_SCHEMA_VERSION) {
      throw new Error(`Schema ${schema} is at version ${newest}, newer than this library knows (${LATEST_SCHEMA_VERSION}); upgrade the library`);
    }
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.up(s));
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return applied;
}
