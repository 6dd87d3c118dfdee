import pg from 'pg';
import { survivingConnectionErrors, type SqlClient } from './sql-executor.js';
import { quoteIdent, schemaIdent } from './identifiers.js';
import * as broker0001 from '../drivers/postgres/migrations/0001_broker_schema.js';
import * as broker0002 from '../drivers/postgres/migrations/0002_deduplication.js';
import * as broker0003 from '../drivers/postgres/migrations/0003_dead_letter_events.js';
import * as broker0004 from '../drivers/postgres/migrations/0004_queue_expiry.js';
import * as service0001 from './service-migrations/0001_outbox_inbox.js';
import * as service0002 from './service-migrations/0002_outbox_deliver_at.js';

interface Migration {
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

/** The broker's tables: queues, bindings, messages (in the broker's database). */
export const BROKER_MIGRATIONS: MigrationSet = { name: 'broker', table: 'schema_migrations', migrations: [broker0001, broker0002, broker0003, broker0004] };

/** A service's own tables: outbox and inbox (in the service's database; may share a schema with the broker). */
export const SERVICE_MIGRATIONS: MigrationSet = { name: 'service', table: 'service_schema_migrations', migrations: [service0001, service0002] };

/** The newest broker schema version this code knows. */
export const LATEST_SCHEMA_VERSION = BROKER_MIGRATIONS.migrations[BROKER_MIGRATIONS.migrations.length - 1].version;

/**
 * Brings a schema up to date with a migration set, in one transaction. A transaction-scoped advisory lock keyed by
 * the schema and set serialises concurrent migrators (two processes booting at once): the second waits, then
 * finds nothing to do. Returns the versions it applied.
 */
export async function migrate(client: SqlClient, schema: string, set: MigrationSet = BROKER_MIGRATIONS): Promise<number[]> {
  const s = schemaIdent(schema);
  const table = `${s}.${quoteIdent(set.table)}`;
  const latest = set.migrations[set.migrations.length - 1].version;
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
export async function migrateDatabase(url: string, schema: string, set: MigrationSet = BROKER_MIGRATIONS): Promise<number[]> {
  const client = survivingConnectionErrors(new pg.Client({ connectionString: url }));
  await client.connect();
  try {
    return await migrate(client, schema, set);
  } finally {
    await client.end();
  }
}
