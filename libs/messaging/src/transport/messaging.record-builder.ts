import { deliveryTime } from '../core/delivery-time.js';
import { InvalidArgumentError } from '../errors.js';
import { assertHeaders } from '../validation/names.js';

/** Per-message options of a `MessagingClient.emit` (a `send` takes only `headers`). */
export interface MessagingRecordOptions {
  /** The message id (1-200 printable ASCII characters); default a random UUID. */
  messageId?: string;
  /** String headers, next to the trace context the client adds. */
  headers?: Record<string, string>;
  /** Deliver no sooner than this many ms from now (at most 7 days). */
  delayMs?: number;
  /** Or no sooner than this time (at most 7 days ahead). Not together with delayMs. */
  deliverAt?: Date;
  /** Drop this message if its id was published within this many ms (SQS's deduplication id). Needs a messageId. */
  deduplicationWindowMs?: number;
}

/** Data with per-message options, which `MessagingClient.emit` / `send` unwrap (Nest's RmqRecord, for any broker). */
export class MessagingRecord<TData = unknown> {
  constructor(
    readonly data: TData,
    readonly options: MessagingRecordOptions = {},
  ) {}
}

/**
 * Builds a MessagingRecord:
 * `client.emit('order.created', new MessagingRecordBuilder(order).setMessageId(id).setDelay(5_000).build())`.
 * There is no ordering key: the broker does not order per key yet (message groups come later), and a key it would
 * silently ignore is worse than none.
 */
export class MessagingRecordBuilder<TData = unknown> {
  private options: MessagingRecordOptions = {};

  constructor(private data?: TData) {}

  setData(data: TData): this {
    this.data = data;
    return this;
  }
  /** Replaces every option at once (RmqRecordBuilder's `setOptions`). */
  setOptions(options: MessagingRecordOptions): this {
    this.options = { ...options };
    return this;
  }
  setMessageId(messageId: string): this {
    this.options.messageId = messageId;
    return this;
  }
  setHeaders(headers: Record<string, string>): this {
    this.options.headers = headers;
    return this;
  }
  /** Delivers no sooner than `delayMs` from now. */
  setDelay(delayMs: number): this {
    this.options.delayMs = delayMs;
    return this;
  }
  /** Delivers no sooner than `deliverAt`. */
  setDeliverAt(deliverAt: Date): this {
    this.options.deliverAt = deliverAt;
    return this;
  }
  /** Drops a repeat of this message id published within `windowMs`. */
  setDeduplicationWindow(windowMs: number): this {
    this.options.deduplicationWindowMs = windowMs;
    return this;
  }
  /** Throws InvalidArgumentError for options that cannot go together; the rest is checked at publish. */
  build(): MessagingRecord<TData> {
    checkRecordOptions(this.options);
    return new MessagingRecord(this.data as TData, { ...this.options });
  }
}

/**
 * A delay and a time are exclusive; deduplication needs a caller's message id (a random one never repeats). Headers
 * are checked here, before emit spreads them into the trace context's (a string would become headers "0", "1"...).
 */
export function checkRecordOptions(options: MessagingRecordOptions): void {
  deliveryTime(options);
  if (options.headers !== undefined) assertHeaders(options.headers);
  if (options.deduplicationWindowMs !== undefined && options.messageId === undefined) {
    throw new InvalidArgumentError('A deduplication window needs a messageId: a random id never repeats', {});
  }
}
