import pg from 'pg';
import { migrateDatabase } from '../../libs/messaging/src/index.js';

/** The system's databases: one per service and one for the broker (a service never writes another's database). */
export interface SystemDatabases {
  orders: string;
  payments: string;
  notifications: string;
  broker: string;
}

/** Creates the databases that are missing on the server at `serverUrl` and returns their URLs. */
export async function createSystemDatabases(serverUrl: string, prefix = ''): Promise<SystemDatabases> {
  const names = { orders: `${prefix}orders`, payments: `${prefix}payments`, notifications: `${prefix}notifications`, broker: `${prefix}broker` };
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database`);
    const existing = new Set(rows.map((r) => r.datname));
    for (const name of Object.values(names)) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Invalid database name ${name}`);
      if (!existing.has(name)) await admin.query(`CREATE DATABASE "${name}"`);
    }
  } finally {
    await admin.end();
  }
  const urlOf = (name: string) => {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const urls = { orders: urlOf(names.orders), payments: urlOf(names.payments), notifications: urlOf(names.notifications), broker: urlOf(names.broker) };
  // The broker schema first, so that every service boots against a migrated broker; each service migrates its own.
  await migrateDatabase(urls.broker, 'messaging');
  return urls;
}

/** Drops the databases (tests). */
export async function dropSystemDatabases(serverUrl: string, prefix: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    for (const name of ['orders', 'payments', 'notifications', 'broker']) await admin.query(`DROP DATABASE IF EXISTS "${prefix}${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
