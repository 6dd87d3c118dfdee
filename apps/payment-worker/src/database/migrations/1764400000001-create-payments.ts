import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePayments1764400000001 implements MigrationInterface {
  name = 'CreatePayments1764400000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One payment per order: the primary key makes a second charge record impossible.
    await queryRunner.query(`
      CREATE TABLE payments (
        order_id     uuid PRIMARY KEY,
        charge_id    text NOT NULL,
        status       text NOT NULL CHECK (status IN ('completed', 'failed')),
        amount       numeric(20, 4) NOT NULL,
        currency     char(3) NOT NULL,
        reason       text,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE payments`);
  }
}
