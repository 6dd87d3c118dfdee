import { fileURLToPath } from 'node:url';
import { Broker, LATEST_SCHEMA_VERSION, migrate } from '../src/index.js';
import { testDatabaseUrl, TsProcess, uniqueSchemaName, testPool } from '../testing/index.js';

const MIGRATOR = fileURLToPath(new URL('./fixtures/migrate-process.ts', import.meta.url));

describe('schema migrations', () => {
  const url = testDatabaseUrl();
  const admin = testPool(url, 2);
  const schemas: string[] = [];
  afterAll(async () => {
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await admin.end();
  });

  it('two processes migrating the same schema at once: one applies each version, the other finds nothing to do', async () => {
    const schema = uniqueSchemaName('migrate_race');
    schemas.push(schema);
    const processes = [1, 2, 3].map(() => new TsProcess(MIGRATOR, { DATABASE_URL: url, SCHEMA: schema }));
    const results = await Promise.all(processes.map(async (p) => ((await p.waitForEvents('migrated'))[0].applied as number[])));
    expect(results.flat().sort()).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
    expect(results.filter((applied) => applied.length > 0)).toHaveLength(1);
    const { rows } = await admin.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(results.flat().sort());
  });

  it('is idempotent and keeps schemas apart: the schema name is configurable', async () => {
    const a = uniqueSchemaName('migrate_a');
    const b = uniqueSchemaName('migrate_b');
    schemas.push(a, b);
    const client = await admin.connect();
    try {
      expect(await migrate(client, a)).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
      expect(await migrate(client, a)).toEqual([]);
    } finally {
      client.release();
    }
    const broker = await Broker.connect({ connectionString: url, schema: b, poolSize: 1 });
    await broker.declareQueue('only-in-b');
    await broker.close();
    const { rows } = await admin.query(`SELECT table_schema FROM information_schema.tables WHERE table_name = 'queues' AND table_schema IN ($1, $2) ORDER BY 1`, [a, b]);
    expect(rows.map((r) => r.table_schema).sort()).toEqual([a, b].sort());
    const { rows: queues } = await admin.query(`SELECT name FROM "${a}".queues`);
    expect(queues).toEqual([]);
  });

  it('refuses a schema newer than the library', async () => {
    const schema = uniqueSchemaName('migrate_newer');
    schemas.push(schema);
    const client = await admin.connect();
    try {
      await migrate(client, schema);
      await client.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES (9999, 'from the future')`);
      await expect(migrate(client, schema)).rejects.toThrow(/newer than this library knows/);
    } finally {
      client.release();
    }
  });
});
