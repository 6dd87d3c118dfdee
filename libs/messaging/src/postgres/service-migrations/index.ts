import type { MigrationSet } from '../migrator.js';
import * as service0001 from './0001_outbox_inbox.js';
import * as service0002 from './0002_outbox_deliver_at.js';

/** A service's own tables: outbox and inbox (in the service's database; may share a schema with the broker). */
export const SERVICE_MIGRATIONS: MigrationSet = { name: 'service', table: 'service_schema_migrations', migrations: [service0001, service0002] };
