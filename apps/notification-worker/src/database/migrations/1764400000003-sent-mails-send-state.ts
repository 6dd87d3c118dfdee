import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The send intent: a mail's row is written and committed before the SMTP send (state `intended`), marked `sent`
 * with the inbox row after it, `failed` when the SMTP server definitely refused it (or was not reached), and
 * `skipped` when a redelivery found the send in doubt under the at-most-once policy. `sends` counts the SMTP sends
 * started; `mail_message_id` is the Message-ID every send of the mail carries. Rows from before are `sent`.
 */
export class SentMailsSendState1764400000003 implements MigrationInterface {
  name = 'SentMailsSendState1764400000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE sent_mails
        ADD COLUMN state text NOT NULL DEFAULT 'sent' CHECK (state IN ('intended', 'sent', 'failed', 'skipped')),
        ADD COLUMN sends integer NOT NULL DEFAULT 1 CHECK (sends >= 0),
        ADD COLUMN mail_message_id text,
        ADD COLUMN intended_at timestamptz NOT NULL DEFAULT now(),
        ALTER COLUMN sent_at DROP NOT NULL,
        ALTER COLUMN sent_at DROP DEFAULT`);
    await queryRunner.query(`ALTER TABLE sent_mails ALTER COLUMN state DROP DEFAULT, ALTER COLUMN sends SET DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM sent_mails WHERE state <> 'sent'`);
    await queryRunner.query(`
      ALTER TABLE sent_mails
        DROP COLUMN state, DROP COLUMN sends, DROP COLUMN mail_message_id, DROP COLUMN intended_at,
        ALTER COLUMN sent_at SET DEFAULT now(),
        ALTER COLUMN sent_at SET NOT NULL`);
  }
}
