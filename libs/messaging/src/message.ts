/** A message to publish. */
export interface OutgoingMessage<T = unknown> {
  /** Dot-separated words matched against binding patterns (RabbitMQ topic rules). */
  routingKey: string;
  /** Any JSON-serialisable value; at most `maxPayloadBytes` of UTF-8 JSON. */
  payload: T;
  /** Caller-supplied id (1-200 printable ASCII characters); default a random UUID. Every queue's copy carries it. */
  messageId?: string;
  /** String headers, e.g. W3C `traceparent`. */
  headers?: Record<string, string>;
  /** Deliver no sooner than this many ms from now (at most 7 days). Default 0. */
  delayMs?: number;
  /** Or deliver no sooner than this time (at most 7 days ahead; a past time means now). Not together with delayMs. */
  deliverAt?: Date;
}

/** One message as a consumer receives it: one queue's copy, under a lease. */
export interface Delivery<T = unknown> {
  /** The copy's row id in the broker: identifies the delivery for settling. */
  readonly id: string;
  readonly queue: string;
  readonly messageId: string;
  readonly routingKey: string;
  readonly payload: T;
  readonly headers: Record<string, string>;
  readonly publishedAt: Date;
  /** 1 on the first delivery; counted when claimed, so a crashed attempt counts. */
  readonly attempt: number;
  /** The fencing token of this lease: settling with a stale token fails with LeaseLostError. */
  readonly leaseToken: string;
  /** When the lease ends unless extended. */
  leaseExpiresAt: Date;
  /** The error text of the previous failed attempt, if any. */
  readonly lastError: string | null;
  /** The x-death style history, most recent first (set on dead-lettered messages). */
  readonly deaths: DeathRecord[];
}

export interface DeathRecord {
  queue: string;
  reason: 'rejected' | 'expired' | 'maxlen' | 'delivery_limit';
  count: number;
  routingKey: string;
  firstTime: string;
  lastTime: string;
  lastError: string | null;
}

export interface DeliveryRow {
  id: string;
  queue: string;
  message_id: string;
  routing_key: string;
  payload: unknown;
  headers: Record<string, string>;
  /** A Date, or epoch ms (the claim returns numbers: cheaper to parse). */
  published_at: Date | number;
  attempts: number;
  lease_token: string | null;
  lease_expires_at: Date | number;
  last_error: string | null;
  deaths: DeathRecord[] | null;
}

export function toDelivery<T>(row: DeliveryRow): Delivery<T> {
  return {
    id: row.id,
    queue: row.queue,
    messageId: row.message_id,
    routingKey: row.routing_key,
    payload: row.payload as T,
    headers: row.headers,
    publishedAt: row.published_at instanceof Date ? row.published_at : new Date(row.published_at),
    attempt: row.attempts,
    leaseToken: row.lease_token ?? '',
    leaseExpiresAt: row.lease_expires_at instanceof Date ? row.lease_expires_at : new Date(row.lease_expires_at),
    lastError: row.last_error,
    deaths: row.deaths ?? [],
  };
}
