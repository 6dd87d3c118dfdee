import type { Message, MessageProperties, Options } from 'amqplib';
import type { DeathRecord, Delivery } from '../../message.js';
import { isDelayQueue } from './names.js';

/*
 * How a message is carried in AMQP. The payload is the body (UTF-8 JSON); the message id, a persistent delivery
 * mode and the content type are properties; the caller's headers are AMQP headers of strings beside the driver's
 * own `x-messaging-*` headers: the routing key it was published with (a retry or a delayed copy comes back under
 * another key), the publish time in ms (the timestamp property has seconds), the attempts before this copy and the
 * last error. The death history is RabbitMQ's own `x-death` header, in its format, which the driver also writes
 * when it dead-letters (with two extra fields per entry: the error text and the last time).
 */
export const ROUTING_KEY_HEADER = 'x-messaging-routing-key';
export const PUBLISHED_AT_HEADER = 'x-messaging-published-at';
export const PRIOR_ATTEMPTS_HEADER = 'x-messaging-prior-attempts';
export const LAST_ERROR_HEADER = 'x-messaging-last-error';
const DEATH_ERROR_FIELD = 'x-messaging-error';
const DEATH_LAST_TIME_FIELD = 'x-messaging-last-time';
/** RabbitMQ's headers, not the caller's. */
const BROKER_HEADERS = new Set(['x-death', 'x-delivery-count', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', 'x-last-death-exchange', 'x-last-death-queue', 'x-last-death-reason']);
const isOwnHeader = (name: string) => name.startsWith('x-messaging-') || BROKER_HEADERS.has(name);

type AmqpHeaders = Record<string, unknown>;
type Timestamp = { '!': 'timestamp'; value: number };
interface XDeath {
  count?: number;
  reason?: string;
  queue?: string;
  time?: Timestamp;
  exchange?: string;
  'routing-keys'?: string[];
  [DEATH_ERROR_FIELD]?: string;
  [DEATH_LAST_TIME_FIELD]?: Timestamp;
}

const timestamp = (ms: number): Timestamp => ({ '!': 'timestamp', value: Math.floor(ms / 1000) });
const isoOf = (stamp: Timestamp | undefined) => new Date((stamp?.value ?? 0) * 1000).toISOString();
const numberOf = (value: unknown) => (typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : Number(value ?? 0) || 0);

/** A message to publish, validated. */
export interface EncodedMessage {
  messageId: string;
  routingKey: string;
  content: Buffer;
  headers: Record<string, string>;
  /** Delay in ms from now (0: none). */
  delayMs: number;
}

/** The publish options of a new message (its first copy). */
export function publishProperties(message: EncodedMessage, publishedAtMs: number): Options.Publish {
  return {
    messageId: message.messageId,
    persistent: true,
    contentType: 'application/json',
    timestamp: Math.floor(publishedAtMs / 1000),
    headers: { ...message.headers, [ROUTING_KEY_HEADER]: message.routingKey, [PUBLISHED_AT_HEADER]: publishedAtMs },
  };
}

/** A copy of a received message, with its headers changed by `headers` (undefined deletes one); the body is shared. */
export function copyProperties(message: Message, headers: AmqpHeaders): Options.Publish {
  const properties: MessageProperties = message.properties;
  const merged: AmqpHeaders = { ...(properties.headers ?? {}) };
  delete merged['x-delivery-count'];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  return {
    messageId: properties.messageId,
    persistent: true,
    contentType: properties.contentType ?? 'application/json',
    timestamp: properties.timestamp,
    correlationId: properties.correlationId,
    replyTo: properties.replyTo,
    headers: merged,
  };
}

/** The attempt a received copy is on: the attempts before this copy, plus RabbitMQ's count of its returns, plus one. */
export function attemptOf(message: Message): number {
  const headers = message.properties.headers ?? {};
  return numberOf(headers[PRIOR_ATTEMPTS_HEADER]) + numberOf(headers['x-delivery-count']) + 1;
}

export function routingKeyOf(message: Message): string {
  const key = message.properties.headers?.[ROUTING_KEY_HEADER];
  return typeof key === 'string' ? key : message.fields.routingKey;
}

/** The death history, most recent first, without the delay queues' expiries (they are waits, not deaths). */
export function deathsOf(message: Message): DeathRecord[] {
  const headers = message.properties.headers ?? {};
  const lastError = lastErrorOf(message);
  const entries = (Array.isArray(headers['x-death']) ? (headers['x-death'] as XDeath[]) : []).filter((d) => !isDelayQueue(String(d.queue ?? '')));
  return entries.map((death, index) => ({
    queue: String(death.queue ?? ''),
    reason: (death.reason ?? 'rejected') as DeathRecord['reason'],
    count: numberOf(death.count),
    routingKey: death['routing-keys']?.[0] ?? routingKeyOf(message),
    firstTime: isoOf(death.time),
    lastTime: isoOf(death[DEATH_LAST_TIME_FIELD] ?? death.time),
    lastError: death[DEATH_ERROR_FIELD] ?? (index === 0 ? lastError : null),
  }));
}

/**
 * The `x-death` header after one more death in `queue` for `reason`, as RabbitMQ keeps it: one entry per queue and
 * reason with a count, the latest first (delay-queue entries dropped); plus the x-first-death-* headers once.
 */
export function withDeath(message: Message, queue: string, reason: DeathRecord['reason'], exchange: string, error: string | null): AmqpHeaders {
  const headers = message.properties.headers ?? {};
  const previous = (Array.isArray(headers['x-death']) ? (headers['x-death'] as XDeath[]) : []).filter((d) => !isDelayQueue(String(d.queue ?? '')));
  const same = previous.find((d) => d.queue === queue && d.reason === reason);
  const now = Date.now();
  const entry: XDeath = {
    count: numberOf(same?.count) + 1,
    reason,
    queue,
    time: same?.time ?? timestamp(now),
    exchange,
    'routing-keys': [routingKeyOf(message)],
    [DEATH_LAST_TIME_FIELD]: timestamp(now),
    ...(error === null ? {} : { [DEATH_ERROR_FIELD]: error }),
  };
  const first = headers['x-first-death-queue'] === undefined ? { 'x-first-death-queue': queue, 'x-first-death-reason': reason, 'x-first-death-exchange': exchange } : {};
  return { 'x-death': [entry, ...previous.filter((d) => d !== same)], ...first };
}

/** The caller's headers of a received message, with `reply-to` from the AMQP property (direct reply-to rewrites it). */
export function userHeadersOf(message: Message): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.properties.headers ?? {})) {
    if (!isOwnHeader(name)) headers[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  if (message.properties.replyTo) headers['reply-to'] = message.properties.replyTo;
  return headers;
}

/** When the message was first published, in epoch ms (the header has ms; the timestamp property only seconds). */
export function publishedAtOf(message: Message): number {
  const headers = message.properties.headers ?? {};
  return headers[PUBLISHED_AT_HEADER] !== undefined ? numberOf(headers[PUBLISHED_AT_HEADER]) : numberOf(message.properties.timestamp) * 1000;
}

/** The error text of the last failed attempt, if any. */
export function lastErrorOf(message: Message): string | null {
  const value = message.properties.headers?.[LAST_ERROR_HEADER];
  return typeof value === 'string' ? value : null;
}

/** Attempts before this copy was published (0 for a first copy or a dead letter). */
export function priorAttemptsOf(message: Message): number {
  return numberOf(message.properties.headers?.[PRIOR_ATTEMPTS_HEADER]);
}

/** A Delivery for a received message (`id` and `leaseToken` are the driver's handle on it). */
export function toDelivery<T>(message: Message, queue: string, id: string, leaseToken: string): Delivery<T> {
  return {
    id,
    queue,
    messageId: message.properties.messageId ?? `amqp-${message.fields.deliveryTag}`,
    routingKey: routingKeyOf(message),
    payload: JSON.parse(message.content.toString('utf8')) as T,
    headers: userHeadersOf(message),
    publishedAt: new Date(publishedAtOf(message)),
    attempt: attemptOf(message),
    leaseToken,
    // No lease runs out on RabbitMQ (capability leaseExpiry false): held until settled or the channel closes.
    leaseExpiresAt: new Date(8.64e15),
    lastError: lastErrorOf(message),
    deaths: deathsOf(message),
  };
}
