import { applyMigrations, applyMigrationsToDatabase, latestVersion, type MigrationSet } from '../../../postgres/migrator.js';
import type { SqlClient } from '../../../postgres/sql-executor.js';
import * as broker0001 from './0001_broker_schema.js';
import * as broker0002 from './0002_deduplication.js';
import * as broker0003 from './0003_dead_letter_events.js';
import * as broker0004 from './0004_queue_expiry.js';
import * as broker0005 from './0005_operations.js';

/** The broker's tables: queues, bindings, messages (in the broker's database). */
export const BROKER_MIGRATIONS: MigrationSet = { name: 'broker', table: 'schema_migrations', migrations: [broker0001, broker0002, broker0003, broker0004, broker0005] };

/** The newest broker schema version this code knows. */
export const LATEST_SCHEMA_VERSION = latestVersion(BROKER_MIGRATIONS);

/** Brings a schema up to date with a migration set, the broker's by default (see applyMigrations). */
export function migrate(client: SqlClient, schema: string, set: MigrationSet = BROKER_MIGRATIONS): Promise<number[]> {
  return applyMigrations(client, schema, set);
}

/** Migrates a schema of the database at `url` with its own short-lived connection, the broker's set by default. */
export function migrateDatabase(url: string, schema: string, set: MigrationSet = BROKER_MIGRATIONS): Promise<number[]> {
  return applyMigrationsToDatabase(url, schema, set);
}
