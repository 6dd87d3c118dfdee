import type pg from 'pg';
import { migrate, SERVICE_MIGRATIONS } from '../src/index.js';
import { createTestDatabase, testPool, type TestDatabase } from './test-database.js';

/** Where the outbox and inbox of a test service database live. */
export const TEST_SERVICE_SCHEMA = 'svc_messaging';

export interface ServiceDatabase {
  db: TestDatabase;
  pool: pg.Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/**
 * A service's own database, as in the reference system: the outbox and inbox (SERVICE_MIGRATIONS in
 * TEST_SERVICE_SCHEMA), a business table `orders`, and `effects`, where a consumer's handler writes one row per
 * processed event with no unique constraint, so a double effect would show as two rows.
 */
export async function createServiceDatabase(label: string, poolSize: number): Promise<ServiceDatabase> {
  const db = await createTestDatabase(label);
  const pool = testPool(db.url, poolSize);
  const client = await pool.connect();
  try {
    await migrate(client, TEST_SERVICE_SCHEMA, SERVICE_MIGRATIONS);
    await client.query(`CREATE TABLE orders (id bigserial PRIMARY KEY, status text NOT NULL)`);
    await client.query(`CREATE TABLE effects (order_id bigint NOT NULL, step text NOT NULL, message_id text NOT NULL)`);
  } finally {
    client.release();
  }
  return {
    db,
    pool,
    drop: async () => {
      await pool.end();
      await db.drop();
    },
  };
}
