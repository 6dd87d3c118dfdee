/** A message that left its queue for good, as recorded for the alerter. */
export interface DeadLetterEvent {
  /** The queue it died in. */
  queue: string;
  /** Where it went; null when the queue has no dead-letter queue (dropped). */
  deadLetterQueue: string | null;
  messageId: string;
  routingKey: string;
  reason: 'rejected' | 'expired' | 'maxlen' | 'delivery_limit';
  /** The last attempt's error text (PII-redacted), if any. */
  error: string | null;
  occurredAt: Date;
}
