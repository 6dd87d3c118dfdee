import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * The first response to a request with an Idempotency-Key, replayed for a repeat with the same body (Stripe's rule).
 * A key is the customer's own: the same key from two customers is two rows.
 */
@Entity({ name: 'idempotency_keys' })
export class IdempotencyKeyEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @PrimaryColumn({ type: 'text' })
  key!: string;

  /** The request's canonical fingerprint (orderRequestFingerprint): a repeat of another order is refused (409). */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  response!: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
