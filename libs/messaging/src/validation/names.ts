import { InvalidNameError } from '../errors.js';

/** Queue names: 1-120 characters, letters, digits, `.`, `_`, `-`, `:`, starting with a letter or digit. */
const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,119}$/;
/** One word of a routing key: possibly empty (RabbitMQ allows `a..b`), letters, digits, `_`, `-`, `:`. */
const KEY_WORD = /^[A-Za-z0-9_:-]*$/;
/** Routing keys and patterns: at most 255 characters, RabbitMQ's limit. */
export const MAX_ROUTING_KEY_LENGTH = 255;
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

function assertWords(value: unknown, what: string, allowWildcards: boolean): asserts value is string {
  if (typeof value !== 'string') throw new InvalidNameError(`Invalid ${what}: expected a string, got ${describe(value)}`, { value });
  if (value.length > MAX_ROUTING_KEY_LENGTH) {
    throw new InvalidNameError(`Invalid ${what} ${describe(value)}: longer than ${MAX_ROUTING_KEY_LENGTH} characters`, { value });
  }
  if (value === '') return;
  for (const word of value.split('.')) {
    if (allowWildcards && (word === '*' || word === '#')) continue;
    if (!KEY_WORD.test(word)) {
      const rule = allowWildcards ? "letters, digits, '_', '-', ':', or a whole word '*' or '#'" : "letters, digits, '_', '-' or ':'";
      throw new InvalidNameError(`Invalid ${what} ${describe(value)}: the word ${describe(word)} may only hold ${rule}`, { value });
    }
  }
}

/** A routing key: dot-separated words (RabbitMQ topic exchange rules); `""` is the key with zero words. */
export function assertRoutingKey(key: unknown): asserts key is string {
  assertWords(key, 'routing key', false);
}

/** A binding pattern: a routing key whose words may also be `*` (exactly one word) or `#` (zero or more words). */
export function assertPattern(pattern: unknown): asserts pattern is string {
  assertWords(pattern, 'binding pattern', true);
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
  }
}
