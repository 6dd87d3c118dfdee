import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { onDatabase, setUpSystemDatabases } from '../../apps/database-setup/src/set-up-databases.js';

export { dropSystemDatabases } from '../../apps/database-setup/src/set-up-databases.js';

/** The system's databases: one per service and one for the broker (a service never writes another's database). */
export interface SystemDatabases {
  orders: string;
  payments: string;
  notifications: string;
  broker: string;
}

export interface SystemDatabaseAccess {
  /** Each database for the server's own (superuser) account: tests and operators. */
  databases: SystemDatabases;
  /** What each app connects with (its own role): its broker URL and, for the three services, its database's URL. */
  apps: Record<string, { broker: string; own?: string }>;
}

/** Where npm start keeps the passwords it generated for the roles: beside the data folder (.data/, git-ignored), readable by you only. */
export const passwordsFileFor = (dataDir: string) => join(dirname(dataDir), 'database-roles.json');

/**
 * Passwords of the roles, generated on first use: kept in `file` (null: only for this run; the setup sets them at
 * every start, so a lost file just means new ones).
 */
function passwordStore(file: string | null): { passwordOf: (role: string) => string; save: () => void } {
  const passwords: Record<string, string> = file && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  let changed = false;
  return {
    passwordOf: (role) => {
      if (!passwords[role]) {
        passwords[role] = randomBytes(24).toString('base64url');
        changed = true;
      }
      return passwords[role];
    },
    save: () => {
      if (!file || !changed) return;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(passwords, null, 2)}\n`, { mode: 0o600 });
    },
  };
}

/**
 * Sets up the system's databases on the server at `serverUrl` (a superuser): creates what is missing, the owner,
 * broker and app roles (see apps/database-setup), runs every migration as the database's owner and grants the
 * apps their rights. Returns the URLs for each app's role and, for tests, the superuser's.
 */
export async function createSystemDatabases(serverUrl: string, prefix: string, passwordsFile: string | null): Promise<SystemDatabaseAccess> {
  const store = passwordStore(passwordsFile);
  const access = await setUpSystemDatabases(serverUrl, { prefix, passwordOf: store.passwordOf });
  store.save();
  const { databases } = access.roles;
  return {
    databases: {
      orders: onDatabase(serverUrl, databases.orders),
      payments: onDatabase(serverUrl, databases.payments),
      notifications: onDatabase(serverUrl, databases.notifications),
      broker: onDatabase(serverUrl, databases.broker),
    },
    apps: Object.fromEntries(Object.entries(access.brokerUrls).map(([app, broker]) => [app, { broker, own: access.serviceUrls[app] }])),
  };
}
