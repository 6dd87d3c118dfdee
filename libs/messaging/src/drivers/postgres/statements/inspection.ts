import type { SqlStatement } from '../../../postgres/sql-executor.js';
import type { StatementContext } from './statement-context.js';

/** The columns a consumer receives for a claimed message. */
const DELIVERY_COLUMNS = `m.id, m.queue, m.message_id, m.routing_key, m.payload, m.headers, m.published_at, m.attempts,
       m.lease_token, m.visible_at AS lease_expires_at, m.last_error, m.deaths`;

/** Read-only statements for health checks, metrics and operators. */
export function inspectionStatements({ s }: StatementContext) {
  return {
    /** The cheapest round trip: does the database answer (health checks). */
    ping(): SqlStatement {
      return { text: 'SELECT 1', values: [] };
    },

    /** Every queue's message counts by state, in one scan (for the metrics endpoint). */
    queueDepths(): SqlStatement {
      return {
        text: `SELECT q.name AS queue,
                      count(m.id) FILTER (WHERE m.lease_token IS NULL AND m.visible_at <= statement_timestamp())::int AS ready,
                      count(m.id) FILTER (WHERE m.lease_token IS NULL AND m.visible_at > statement_timestamp())::int AS delayed,
                      count(m.id) FILTER (WHERE m.lease_token IS NOT NULL)::int AS leased,
                      coalesce(extract(epoch FROM statement_timestamp() - min(m.published_at) FILTER (WHERE m.lease_token IS NULL)), 0)::float8 AS oldest_age_seconds
                 FROM ${s}.queues q LEFT JOIN ${s}.messages m ON m.queue = q.name
                GROUP BY q.name ORDER BY q.name`,
        values: [],
      };
    },

    queueStats(queue: string): SqlStatement {
      return {
        text: `SELECT count(*) FILTER (WHERE lease_token IS NULL AND visible_at <= statement_timestamp())::int AS ready,
                      count(*) FILTER (WHERE lease_token IS NULL AND visible_at > statement_timestamp())::int AS delayed,
                      count(*) FILTER (WHERE lease_token IS NOT NULL AND visible_at > statement_timestamp())::int AS leased,
                      count(*) FILTER (WHERE lease_token IS NOT NULL AND visible_at <= statement_timestamp())::int AS lease_expired
                 FROM ${s}.messages WHERE queue = $1`,
        values: [queue],
      };
    },

    browse(queue: string, limit: number): SqlStatement {
      return {
        // In the claim index's order, so that any plan walks that index (the broker's sessions reuse generic plans).
        text: `SELECT ${DELIVERY_COLUMNS} FROM ${s}.messages m WHERE m.queue = $1 ORDER BY m.visible_at, m.id LIMIT $2`,
        values: [queue, limit],
      };
    },
  };
}

export type InspectionStatements = ReturnType<typeof inspectionStatements>;
