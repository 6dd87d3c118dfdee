import pg from 'pg';
import {
  dropRoles,
  ensureRoles,
  grantBrokerRoles,
  grantServiceDatabase,
  migrateDatabase,
  migrateServiceDatabase,
  migrateAdminDatabase,
  ADMIN_DEFAULTS,
  ADMIN_MIGRATIONS,
  restrictDatabase,
  SERVICE_SCHEMA,
  SERVICE_TYPEORM_MIGRATIONS_TABLE,
} from '@app/messaging';
import { adoptSchemaObjects } from './adopt-objects.js';
import { loginRoles, SERVICES, systemRoles, type SystemRoles } from './system-roles.js';

/** Schema of the broker's tables in the broker database. */
const BROKER_SCHEMA = 'messaging';

export interface SetUpOptions {
  /** Prefix of database and role names (tests). Default none. */
  prefix?: string;
  /** The password of each login role, by role name (see systemRoles). */
  passwordOf: (role: string) => string;
}

export interface SystemDatabaseAccess {
  roles: SystemRoles;
  /** URL of each database for its owner role (migrations). */
  ownerUrls: SystemRoles['databases'];
  /** URL of the broker database for each app's role, by app name (`worker`: the scaffolded workers'). */
  brokerUrls: Record<string, string>;
  /** URL of each service's own database for its app's role, by app name. */
  serviceUrls: Record<string, string>;
}

/** `serverUrl` with another user, password and database. */
export function urlFor(serverUrl: string, user: string, password: string, database: string): string {
  const url = new URL(serverUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  url.pathname = `/${database}`;
  return url.toString();
}

/** `serverUrl` on another database, same user. */
export function onDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `work` on a connection of its own to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Sets up the system's databases for least privilege, idempotently: as the superuser at `adminUrl` it creates the
 * missing databases and roles, sets the passwords, hands each database to its owner role and lets only the roles
 * that use a database connect to it; then, as each owner, it runs that database's migrations and grants the app
 * roles their privileges. The apps then connect with the URLs returned, and need no DDL at start.
 */
export async function setUpSystemDatabases(adminUrl: string, options: SetUpOptions): Promise<SystemDatabaseAccess> {
  const prefix = options.prefix ?? '';
  const roles = systemRoles(prefix);
  const { databases, owners, broker } = roles;
  const password = options.passwordOf;
  await withClient(adminUrl, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database`);
    const existing = new Set(rows.map((r) => r.datname));
    for (const name of Object.values(databases)) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Invalid database name ${name}`);
      if (!existing.has(name)) await admin.query(`CREATE DATABASE "${name}"`);
    }
    await ensureRoles(admin, [broker.producer, broker.consumer, broker.admin], loginRoles(roles, password));
    await restrictDatabase(admin, databases.broker, owners.broker, [broker.producer, broker.consumer, broker.admin]);
    for (const service of SERVICES) await restrictDatabase(admin, databases[service.database], owners[service.database], [roles.apps[service.app]]);
  });
  // A database set up before roles existed (an older data folder) holds objects the superuser owns: give them to the owner.
  await withClient(onDatabase(adminUrl, databases.broker), (admin) => adoptSchemaObjects(admin, [BROKER_SCHEMA], owners.broker));
  for (const service of SERVICES) {
    await withClient(onDatabase(adminUrl, databases[service.database]), (admin) => adoptSchemaObjects(admin, ['public', SERVICE_SCHEMA, ADMIN_DEFAULTS.schema], owners[service.database]));
  }

  const ownerUrls = Object.fromEntries(
    Object.entries(databases).map(([key, name]) => [key, urlFor(adminUrl, owners[key as keyof typeof owners], password(owners[key as keyof typeof owners]), name)]),
  ) as SystemRoles['databases'];
  await migrateDatabase(ownerUrls.broker, BROKER_SCHEMA);
  await withClient(ownerUrls.broker, (owner) => grantBrokerRoles(owner, BROKER_SCHEMA, broker));
  for (const service of SERVICES) {
    await migrateServiceDatabase(ownerUrls[service.database], service.migrations);
    // Any app may mount MessagingAdminModule, whose tables live in its service database.
    await migrateAdminDatabase(ownerUrls[service.database], ADMIN_DEFAULTS.schema);
    await withClient(ownerUrls[service.database], (owner) =>
      grantServiceDatabase(owner, {
        schemas: ['public', SERVICE_SCHEMA, ADMIN_DEFAULTS.schema],
        owner: owners[service.database],
        apps: [roles.apps[service.app]],
        migrationTables: [`public.${SERVICE_TYPEORM_MIGRATIONS_TABLE}`, `${SERVICE_SCHEMA}.service_schema_migrations`, `${ADMIN_DEFAULTS.schema}.${ADMIN_MIGRATIONS.table}`],
      }),
    );
  }
  const appUrl = (app: string, database: string) => urlFor(adminUrl, roles.apps[app], password(roles.apps[app]), database);
  return {
    roles,
    ownerUrls,
    brokerUrls: Object.fromEntries(Object.keys(roles.apps).map((app) => [app, appUrl(app, databases.broker)])),
    serviceUrls: Object.fromEntries(SERVICES.map((s) => [s.app, appUrl(s.app, databases[s.database])])),
  };
}

/** Drops the databases and roles of a prefix (tests). */
export async function dropSystemDatabases(adminUrl: string, prefix: string): Promise<void> {
  const roles = systemRoles(prefix);
  await withClient(adminUrl, async (admin) => {
    for (const name of Object.values(roles.databases)) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await dropRoles(admin, [...Object.values(roles.apps), ...Object.values(roles.owners), roles.broker.producer, roles.broker.consumer, roles.broker.admin]);
  });
}
