import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOrders1764400000000 implements MigrationInterface {
  name = 'CreateOrders1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE orders (
        id          uuid PRIMARY KEY,
        customer_id text NOT NULL,
        email       text NOT NULL,
        currency    char(3) NOT NULL,
        total_minor bigint NOT NULL CHECK (total_minor >= 0),
        status      text NOT NULL CHECK (status IN ('pending', 'paid', 'payment_failed')),
        -- Milliseconds, so that a page cursor (a JavaScript Date) compares exactly.
        created_at  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    // Keyset pagination of a customer's orders, newest first.
    await queryRunner.query(`CREATE INDEX orders_customer_idx ON orders (customer_id, created_at DESC, id DESC)`);
    await queryRunner.query(`
      CREATE TABLE order_items (
        order_id         uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        line             integer NOT NULL,
        sku              text NOT NULL,
        quantity         integer NOT NULL CHECK (quantity >= 1),
        unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
        PRIMARY KEY (order_id, line)
      )`);
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        key          text PRIMARY KEY,
        request_hash text NOT NULL,
        status_code  integer,
        response     jsonb,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE idempotency_keys`);
    await queryRunner.query(`DROP TABLE order_items`);
    await queryRunner.query(`DROP TABLE orders`);
  }
}
