import { createTestDatabase, type TestDatabase } from '@app/messaging/testing';
import { DataSource } from 'typeorm';
import { CreateOrders1764400000000 } from '../src/database/migrations/1764400000000-create-orders.js';
import { ScopeIdempotencyKeys1764900000000 } from '../src/database/migrations/1764900000000-scope-idempotency-keys.js';

describe('migration ScopeIdempotencyKeys: idempotency keys become per customer', () => {
  let db: TestDatabase;
  const migrated = async (migrations: (typeof CreateOrders1764400000000 | typeof ScopeIdempotencyKeys1764900000000)[]) => {
    const source = new DataSource({ type: 'postgres', url: db.url, migrations, migrationsTransactionMode: 'each' });
    await source.initialize();
    await source.runMigrations();
    return source;
  };

  beforeAll(async () => {
    db = await createTestDatabase('orders_migration');
  });
  afterAll(() => db.drop());

  it("gives each existing key its order's customer, drops a key no order answers, and lets two customers share a key", async () => {
    const before = await migrated([CreateOrders1764400000000]);
    const order = '11111111-1111-4111-8111-111111111111';
    await before.query(`INSERT INTO orders (id, customer_id, email, currency, total_minor, status) VALUES ($1, 'cust-old', 'a@example.com', 'EUR', 100, 'pending')`, [order]);
    await before.query(`INSERT INTO idempotency_keys (key, request_hash, status_code, response) VALUES ('k-1', 'h', 201, $1), ('k-orphan', 'h', NULL, NULL)`, [{ id: order }]);
    await before.destroy();

    const after = await migrated([CreateOrders1764400000000, ScopeIdempotencyKeys1764900000000]);
    try {
      expect(await after.query(`SELECT customer_id, key FROM idempotency_keys ORDER BY key`)).toEqual([{ customer_id: 'cust-old', key: 'k-1' }]);
      await after.query(`INSERT INTO idempotency_keys (customer_id, key, request_hash) VALUES ('cust-new', 'k-1', 'h2')`);
      await expect(after.query(`INSERT INTO idempotency_keys (customer_id, key, request_hash) VALUES ('cust-new', 'k-1', 'h3')`)).rejects.toThrow(/duplicate key/);
      await expect(after.query(`INSERT INTO idempotency_keys (key, request_hash) VALUES ('k-2', 'h')`)).rejects.toThrow(/null value in column "customer_id"/);
    } finally {
      await after.destroy();
    }
  });
});
