import { randomBytes } from 'node:crypto';
import { migrateDatabase, migrateServiceDatabase } from '@app/messaging';
import { testDatabaseUrl } from '@app/messaging/testing';
import { dropSystemDatabases, onDatabase, setUpSystemDatabases, withClient } from '../src/set-up-databases.js';
import { SERVICES, systemRoles } from '../src/system-roles.js';

// A data folder from before the roles existed: the superuser created and migrated every database. The setup must
// hand all of it to the owner roles, or the next migration (run as the owner) could not alter those tables.
describe('setUpSystemDatabases on databases the superuser migrated', () => {
  const server = testDatabaseUrl();
  const prefix = `setup_${randomBytes(3).toString('hex')}_`;
  const roles = systemRoles(prefix);
  const query = (url: string, text: string) => withClient(url, (client) => client.query(text));
  afterAll(() => dropSystemDatabases(server, prefix));

  it('gives every table, sequence and function to the owner role, and the app role can use them', async () => {
    for (const name of Object.values(roles.databases)) await query(server, `CREATE DATABASE "${name}"`);
    await migrateDatabase(onDatabase(server, roles.databases.broker), 'messaging');
    for (const service of SERVICES) await migrateServiceDatabase(onDatabase(server, roles.databases[service.database]), service.migrations);

    const access = await setUpSystemDatabases(server, { prefix, passwordOf: (role) => `pw-${role}` });
    for (const [database, owner] of Object.entries(roles.owners)) {
      const url = onDatabase(server, roles.databases[database as keyof typeof roles.databases]);
      const { rows } = await query(
        url,
        `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname IN ('public', 'messaging') AND c.relkind IN ('r', 'S', 'i')
         UNION SELECT DISTINCT pg_get_userbyid(p.proowner) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'messaging'`,
      );
      expect({ database, owners: rows.map((r) => r.owner) }).toEqual({ database, owners: [owner] });
      // The owner can migrate further: alter a table the superuser made.
      await query(access.ownerUrls[database as keyof typeof roles.owners], `ALTER TABLE messaging.${database === 'broker' ? 'messages' : 'outbox'} ADD COLUMN later int`);
    }
    const { rows } = await query(access.serviceUrls['order-api'], `INSERT INTO messaging.outbox (message_id, routing_key, payload) VALUES ('m', 'k', '{}') RETURNING message_id`);
    expect(rows).toEqual([{ message_id: 'm' }]);
  }, 60_000);
});
