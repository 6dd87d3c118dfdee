import { createHash } from 'node:crypto';
import { assertSchemaName } from '../validation/names.js';

/** Quotes an identifier for SQL text. Callers pass only names that were validated first (see validation/names). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The validated, quoted schema name that every broker statement is rendered with. */
export function schemaIdent(schema: string): string {
  assertSchemaName(schema);
  return quoteIdent(schema);
}

/**
 * A LISTEN/NOTIFY channel of a schema, e.g. `messaging.wake_up` (the payload names the queue with new messages).
 * Channel names are limited to 63 bytes: a long schema name is replaced by a hash of it.
 */
export function channelName(schema: string, purpose: 'wake_up' | 'outbox'): string {
  assertSchemaName(schema);
  const readable = `${schema}.${purpose}`;
  return readable.length <= 63 ? readable : `pgm_${createHash('sha256').update(schema).digest('hex').slice(0, 32)}.${purpose}`;
}
