import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Where a mail's send stands (see send-ledger.ts). */
export type SendState = 'intended' | 'sent' | 'failed' | 'skipped';

/** A mail for an event: its send intent, committed before the SMTP send, and what became of it. */
@Entity({ name: 'sent_mails' })
export class SentMailEntity {
  @PrimaryColumn({ name: 'event_message_id', type: 'text' })
  eventMessageId!: string;

  @Column({ name: 'routing_key', type: 'text' })
  routingKey!: string;

  @Column({ type: 'text' })
  recipient!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'text' })
  state!: SendState;

  /** SMTP sends started for this mail (more than 1: resent after a send in doubt, or after a refusal). */
  @Column({ type: 'integer' })
  sends!: number;

  /** The Message-ID header every send of this mail carries. */
  @Column({ name: 'mail_message_id', type: 'text', nullable: true })
  mailMessageId!: string | null;

  @Column({ name: 'intended_at', type: 'timestamptz' })
  intendedAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;
}
