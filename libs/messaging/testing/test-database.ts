import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Broker, survivingConnectionErrors, type BrokerOptions } from '../src/index.js';

/** The database the tests use: DATABASE_URL, which the Jest global setup points at an embedded server when unset. */
export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests through Jest (its global setup starts PostgreSQL)');
  return url;
}

/** A fresh schema name per test file (or per test), so test files never see each other's queues. */
export function uniqueSchemaName(label: string): string {
  const clean = label.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
  return `t_${clean}_${randomBytes(4).toString('hex')}`;
}

export interface TestBroker {
  broker: Broker;
  schema: string;
  url: string;
  /** Runs SQL on the test database (assertions on raw state). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** Closes the broker and drops the schema. */
  cleanup(): Promise<void>;
}

/** Connects a broker on its own new schema in the test database. */
export async function createTestBroker(label: string, options: Omit<BrokerOptions, 'schema' | 'connectionString'> = {}): Promise<TestBroker> {
  const url = testDatabaseUrl();
  const schema = uniqueSchemaName(label);
  const broker = await Broker.connect({ connectionString: url, schema, poolSize: 4, ...options });
  const admin = testPool(url, 2);
  return {
    broker,
    schema,
    url,
    query: async (text, values) => (await admin.query(text, values)).rows,
    cleanup: async () => {
      await broker.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database (closing its sessions first). */
  drop(): Promise<void>;
}

/** A fresh database on the test server, e.g. a service's own database beside the broker's. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const base = testDatabaseUrl();
  const name = uniqueSchemaName(label);
  const admin = survivingConnectionErrors(new pg.Client({ connectionString: base }));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const client = survivingConnectionErrors(new pg.Client({ connectionString: base }));
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * A pool for a test's own queries. It ignores errors of idle connections: at teardown a test database is dropped
 * WITH (FORCE), and a connection still closing then gets "terminating connection" after its pool stopped caring.
 */
export function testPool(url: string, max = 2): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => undefined);
  return pool;
}
