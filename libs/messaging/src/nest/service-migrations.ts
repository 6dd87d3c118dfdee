import { DataSource, type DataSourceOptions } from 'typeorm';
import { applyMigrationsToDatabase } from '../postgres/migrator.js';
import { SERVICE_MIGRATIONS } from '../postgres/service-migrations/index.js';

/** Schema of the outbox and inbox tables in a service's database. */
export const SERVICE_SCHEMA = 'messaging';

/** Table where TypeORM records which of a service's own migrations ran. */
export const SERVICE_TYPEORM_MIGRATIONS_TABLE = 'typeorm_migrations';

/**
 * Migrates a service's database as `ServiceDatabaseModule` does at boot with `migrate: true`: the outbox and inbox
 * tables, then the service's TypeORM migrations. Run it as the database's owner role, in a step of its own (e.g.
 * `npm run migrate`), when the app itself connects as a role that may not run DDL.
 */
export async function migrateServiceDatabase(url: string, migrations: NonNullable<DataSourceOptions['migrations']>): Promise<void> {
  await applyMigrationsToDatabase(url, SERVICE_SCHEMA, SERVICE_MIGRATIONS);
  const dataSource = new DataSource({ type: 'postgres', url, migrations, migrationsTableName: SERVICE_TYPEORM_MIGRATIONS_TABLE, poolSize: 1 });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    await dataSource.destroy();
  }
}
