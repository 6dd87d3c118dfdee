import type { SqlStatement } from '../../../postgres/sql-executor.js';
import type { StatementContext } from './statement-context.js';

export interface QueueRowInput {
  name: string;
  leaseMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  retryJitter: number;
  deadLetterQueue: string | null;
}

const QUEUE_COLUMNS = 'name, lease_ms, max_attempts, retry_base_ms, retry_max_ms, retry_jitter, dead_letter_queue, created_at';

const queueValues = (q: QueueRowInput) => [q.name, q.leaseMs, q.maxAttempts, q.retryBaseMs, q.retryMaxMs, q.retryJitter, q.deadLetterQueue];

/** Queues and bindings: declare, update, read, bind, unbind, delete. */
export function topologyStatements({ s }: StatementContext) {
  return {
    insertQueue(q: QueueRowInput): SqlStatement {
      return {
        text: `INSERT INTO ${s}.queues (name, lease_ms, max_attempts, retry_base_ms, retry_max_ms, retry_jitter, dead_letter_queue)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (name) DO NOTHING
               RETURNING name`,
        values: queueValues(q),
      };
    },

    updateQueue(q: QueueRowInput): SqlStatement {
      return {
        text: `UPDATE ${s}.queues
                  SET lease_ms = $2, max_attempts = $3, retry_base_ms = $4, retry_max_ms = $5, retry_jitter = $6,
                      dead_letter_queue = $7, updated_at = now()
                WHERE name = $1
               RETURNING name`,
        values: queueValues(q),
      };
    },

    selectQueue(name: string, forUpdate = false): SqlStatement {
      return { text: `SELECT ${QUEUE_COLUMNS} FROM ${s}.queues WHERE name = $1 ${forUpdate ? 'FOR UPDATE' : ''}`, values: [name] };
    },

    selectQueues(): SqlStatement {
      return { text: `SELECT ${QUEUE_COLUMNS} FROM ${s}.queues ORDER BY name`, values: [] };
    },

    selectQueuesDeadLetteringInto(name: string): SqlStatement {
      return { text: `SELECT name FROM ${s}.queues WHERE dead_letter_queue = $1 AND name <> $1 ORDER BY name`, values: [name] };
    },

    insertBinding(queue: string, pattern: string, patternRegex: string): SqlStatement {
      return {
        text: `INSERT INTO ${s}.bindings (queue, pattern, pattern_regex)
               SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM ${s}.queues WHERE name = $1)
               ON CONFLICT (queue, pattern) DO UPDATE SET pattern_regex = EXCLUDED.pattern_regex
               RETURNING queue`,
        values: [queue, pattern, patternRegex],
      };
    },

    deleteBinding(queue: string, pattern: string): SqlStatement {
      return { text: `DELETE FROM ${s}.bindings WHERE queue = $1 AND pattern = $2 RETURNING queue`, values: [queue, pattern] };
    },

    /** Every binding, for listing queues in one round trip. */
    selectAllBindings(): SqlStatement {
      return { text: `SELECT queue, pattern FROM ${s}.bindings ORDER BY queue, pattern`, values: [] };
    },

    selectBindings(queue: string): SqlStatement {
      return { text: `SELECT pattern FROM ${s}.bindings WHERE queue = $1 ORDER BY pattern`, values: [queue] };
    },

    /** Deletes the queue's messages, then the queue (its bindings cascade); the queue row must still be there. */
    deleteQueue(name: string): SqlStatement {
      return {
        text: `WITH gone AS (DELETE FROM ${s}.messages WHERE queue = $1 AND EXISTS (SELECT 1 FROM ${s}.queues WHERE name = $1) RETURNING 1),
                    queue AS (DELETE FROM ${s}.queues WHERE name = $1 RETURNING name)
               SELECT (SELECT count(*) FROM gone)::int AS messages, (SELECT count(*) FROM queue)::int AS queues`,
        values: [name],
      };
    },

    countMessages(queue: string): SqlStatement {
      return { text: `SELECT count(*)::int AS n FROM ${s}.messages WHERE queue = $1`, values: [queue] };
    },
  };
}

export type TopologyStatements = ReturnType<typeof topologyStatements>;
