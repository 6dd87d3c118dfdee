import pg from 'pg';
import { schemaIdent } from '../postgres/identifiers.js';
import { applyMigrationsToDatabase } from '../postgres/migrator.js';
import { ERROR_LISTENING_POOL } from '../postgres/sql-executor.js';
import { ADMIN_MIGRATIONS } from './migrations/index.js';

/** The admin's tables: a pool on the hosting app's database and the quoted schema every statement names. */
export class AdminDatabase {
  readonly schema: string;

  private constructor(private readonly pool: pg.Pool, schema: string) {
    this.schema = schemaIdent(schema);
  }

  /** Connects (migrating first unless `migrate` is false). */
  static async open(options: { database: string; schema: string; poolSize: number; migrate: boolean }): Promise<AdminDatabase> {
    if (options.migrate) await migrateAdminDatabase(options.database, options.schema);
    const pool = new pg.Pool({ connectionString: options.database, max: options.poolSize, ...ERROR_LISTENING_POOL });
    pool.on('error', () => undefined); // an idle client's lost connection: the next query reconnects
    return new AdminDatabase(pool, options.schema);
  }

  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(text, values)).rows;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** Creates or updates the admin's tables (run it as the database's owner when the app may not run DDL). */
export async function migrateAdminDatabase(url: string, schema = 'messaging_admin'): Promise<number[]> {
  return applyMigrationsToDatabase(url, schema, ADMIN_MIGRATIONS);
}
