// The one-shot setup step before the apps start (docker-compose.yml's `migrate` service): as the PostgreSQL superuser
// it creates the missing databases and roles and sets the roles' passwords; then, as each database's owner role, it
// runs that database's migrations and grants the apps their rights. Idempotent: run it at every deployment.
//   POSTGRES_ADMIN_URL (or _FILE)  the superuser, e.g. postgres://postgres@postgres:5432/postgres
//   POSTGRES_PASSWORD (or _FILE)   its password, when the URL has none
//   ROLE_PASSWORDS_DIR             a folder holding <role>_password for every role (compose: /run/secrets)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEnvironment, requireEnvironment } from '@app/messaging';
import { setUpSystemDatabases } from './set-up-databases.js';

const adminUrl = new URL(requireEnvironment('POSTGRES_ADMIN_URL'));
const adminPassword = readEnvironment('POSTGRES_PASSWORD');
if (adminPassword && !adminUrl.password) adminUrl.password = encodeURIComponent(adminPassword);
const folder = requireEnvironment('ROLE_PASSWORDS_DIR');
const passwordOf = (role: string) => {
  const file = join(folder, `${role}_password`);
  try {
    const password = readFileSync(file, 'utf8').trim();
    if (password) return password;
  } catch {
    // said below
  }
  throw new Error(`The password of role ${role} is missing: put it in ${file}`);
};

try {
  const access = await setUpSystemDatabases(adminUrl.toString(), { passwordOf });
  const line = { level: 'info', time: new Date().toISOString(), name: 'database-setup', msg: 'databases set up', databases: Object.values(access.roles.databases), roles: Object.values(access.roles.apps) };
  process.stdout.write(`${JSON.stringify(line)}\n`);
} catch (error) {
  process.stderr.write(`${JSON.stringify({ level: 'error', time: new Date().toISOString(), name: 'database-setup', msg: (error as Error).message })}\n`);
  process.exit(1);
}
