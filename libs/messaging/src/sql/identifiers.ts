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

/** The LISTEN/NOTIFY channel of a schema: one channel, the payload names the queue that has new messages. */
export function wakeUpChannel(schema: string): string {
  assertSchemaName(schema);
  return `${schema}.wake_up`;
}
