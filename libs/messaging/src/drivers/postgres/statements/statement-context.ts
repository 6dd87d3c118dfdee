import type { SqlStatement } from '../../../postgres/sql-executor.js';
import { schemaIdent, channelName } from '../../../postgres/identifiers.js';

/**
 * What every broker statement of one schema is rendered with. Values are always bind parameters; the schema is a
 * validated, quoted identifier. Statements used per message are named, so pg prepares each once per connection,
 * unless `prepared: false` (PgBouncer in transaction mode: a named statement prepared on one server connection is
 * missing on the next).
 */
export interface StatementContext {
  /** The validated, quoted schema name. */
  readonly s: string;
  /** The schema's wake-up channel: a NOTIFY on it names the queue that got messages. */
  readonly channel: string;
  /** A hot-path statement: named `pgm:<schema>:<name>` unless prepared statements are off. */
  named(name: string, text: string, values: unknown[]): SqlStatement;
}

export function statementContext(schema: string, options: { prepared?: boolean } = {}): StatementContext {
  const prepared = options.prepared ?? true;
  const prefix = `pgm:${schema}:`;
  return {
    s: schemaIdent(schema),
    channel: channelName(schema, 'wake_up'),
    named: (name, text, values) => (prepared ? { name: prefix + name, text, values } : { text, values }),
  };
}
