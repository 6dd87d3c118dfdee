import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSentMails1764400000002 implements MigrationInterface {
  name = 'CreateSentMails1764400000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sent_mails (
        event_message_id text PRIMARY KEY,
        routing_key      text NOT NULL,
        recipient        text NOT NULL,
        subject          text NOT NULL,
        sent_at          timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sent_mails`);
  }
}
