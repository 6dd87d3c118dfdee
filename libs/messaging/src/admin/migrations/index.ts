import type { MigrationSet } from '../../postgres/migrator.js';
import * as admin0001 from './0001_admin_tables.js';

/** The admin API's tables (audit, alert thresholds, redrive jobs, queue samples) in the hosting app's database. */
export const ADMIN_MIGRATIONS: MigrationSet = { name: 'admin', table: 'admin_schema_migrations', migrations: [admin0001] };
