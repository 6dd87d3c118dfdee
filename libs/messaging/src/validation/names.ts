import { InvalidNameError } from '../errors.js';

/** Queue names: 1-120 characters, letters, digits, `.`, `_`, `-`, `:`, starting with a letter or digit. */
const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,119}$/;
/** Routing keys and patterns: at most 255 bytes of UTF-8, RabbitMQ's limit (an AMQP short string). */
export const MAX_ROUTING_KEY_BYTES = 255;
/** Schema names: unquoted-identifier style so they need no case games, at most 63 bytes (NAMEDATALEN - 1). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Caller-supplied message ids: 1-200 printable ASCII characters without spaces. */
const MESSAGE_ID = /^[\x21-\x7e]{1,200}$/;
/** Header names: 1-128 characters, letters, digits and `-_.:`. */
const HEADER_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
export const MAX_HEADER_VALUE_LENGTH = 4096;
export const MAX_HEADERS = 64;

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value) : typeof value;
}

export function assertQueueName(name: unknown, what = 'queue name'): asserts name is string {
  if (typeof name !== 'string' || !QUEUE_NAME.test(name)) {
    throw new InvalidNameError(
      `Invalid ${what} ${describe(name)}: use 1-120 letters, digits, '.', '_', '-' or ':', starting with a letter or digit`,
      { name },
    );
  }
}

/**
 * Routing keys and patterns take what RabbitMQ takes: any text of up to 255 bytes of UTF-8. Two exceptions, both
 * unavoidable: NUL (PostgreSQL text cannot hold it) and lone surrogates (they have no UTF-8 form).
 */
function assertTopicText(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') throw new InvalidNameError(`Invalid ${what}: expected a string, got ${describe(value)}`, { value });
  // n UTF-16 units are at most 3n bytes: count exactly only when the limit could be passed.
  if (value.length * 3 > MAX_ROUTING_KEY_BYTES && Buffer.byteLength(value, 'utf8') > MAX_ROUTING_KEY_BYTES) {
    throw new InvalidNameError(`Invalid ${what} ${describe(value)}: longer than ${MAX_ROUTING_KEY_BYTES} bytes of UTF-8`, { value });
  }
  if (value.includes('\0')) throw new InvalidNameError(`Invalid ${what} ${describe(value)}: holds a NUL character, which PostgreSQL cannot store`, { value });
  if (!value.isWellFormed()) throw new InvalidNameError(`Invalid ${what} ${describe(value)}: holds a lone surrogate, which UTF-8 cannot encode`, { value });
}

/**
 * A routing key: words separated by '.' (RabbitMQ topic exchange rules); `""` is the key with zero words. A word
 * may hold anything, `*` and `#` too: in a key they are ordinary words.
 */
export function assertRoutingKey(key: unknown): asserts key is string {
  assertTopicText(key, 'routing key');
}

/**
 * A binding pattern: like a routing key, where a whole word `*` matches exactly one word and a whole word `#` zero
 * or more; `*` or `#` inside a longer word (`a*b`) is literal, as in RabbitMQ.
 */
export function assertPattern(pattern: unknown): asserts pattern is string {
  assertTopicText(pattern, 'binding pattern');
}

export function assertSchemaName(schema: unknown): asserts schema is string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new InvalidNameError(`Invalid schema name ${describe(schema)}: use 1-63 lower-case letters, digits or '_', not starting with a digit`, {
      schema,
    });
  }
}

export function assertMessageId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !MESSAGE_ID.test(id)) {
    throw new InvalidNameError(`Invalid message id ${describe(id)}: use 1-200 printable ASCII characters without spaces`, { id });
  }
}

export function assertHeaders(headers: unknown): asserts headers is Record<string, string> {
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
    throw new InvalidNameError(`Invalid headers: expected an object of string values, got ${describe(headers)}`, {});
  }
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS) throw new InvalidNameError(`Invalid headers: more than ${MAX_HEADERS} entries`, { count: entries.length });
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) {
      throw new InvalidNameError(`Invalid header name ${describe(name)}: use 1-128 letters, digits or '-_.:'`, { name });
    }
    if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE_LENGTH) {
      throw new InvalidNameError(`Invalid value of header ${describe(name)}: expected a string of at most ${MAX_HEADER_VALUE_LENGTH} characters`, {
        name,
      });
    }
    // Headers are stored as jsonb, which refuses both.
    if (value.includes('\0')) throw new InvalidNameError(`Invalid value of header ${describe(name)}: holds a NUL character`, { name });
    if (!value.isWellFormed()) throw new InvalidNameError(`Invalid value of header ${describe(name)}: holds a lone surrogate, which is not Unicode text`, { name });
  }
}
