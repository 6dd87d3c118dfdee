import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A mail sent for an event (the inbox guarantees one per event; this is the record of what went out). */
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

  @CreateDateColumn({ name: 'sent_at', type: 'timestamptz' })
  sentAt!: Date;
}
