import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys become each customer's own: the key row carries the customer, and (customer_id, key) is the
 * primary key, so the same key from two customers is two orders instead of one customer replaying another's. Rows
 * from before are given the customer of the order they answered with; a row no order matches (there should be
 * none: the row and the order commit together) cannot be attributed and is dropped.
 */
export class ScopeIdempotencyKeys1764900000000 implements MigrationInterface {
  name = 'ScopeIdempotencyKeys1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE idempotency_keys ADD COLUMN customer_id text`);
    await queryRunner.query(`
      UPDATE idempotency_keys k SET customer_id = o.customer_id
        FROM orders o
       WHERE k.customer_id IS NULL AND k.response ->> 'id' = o.id::text`);
    await queryRunner.query(`DELETE FROM idempotency_keys WHERE customer_id IS NULL`);
    await queryRunner.query(`ALTER TABLE idempotency_keys ALTER COLUMN customer_id SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey`);
    await queryRunner.query(`ALTER TABLE idempotency_keys ADD PRIMARY KEY (customer_id, key)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Two customers' rows with one key cannot both stay under a key-only primary key: the later ones go.
    await queryRunner.query(`
      DELETE FROM idempotency_keys k
       USING idempotency_keys earlier
       WHERE k.key = earlier.key AND (k.created_at, k.customer_id) > (earlier.created_at, earlier.customer_id)`);
    await queryRunner.query(`ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey`);
    await queryRunner.query(`ALTER TABLE idempotency_keys ADD PRIMARY KEY (key)`);
    await queryRunner.query(`ALTER TABLE idempotency_keys DROP COLUMN customer_id`);
  }
}
