import type { ClaimOptions } from '../../driver/broker-types.js';
import { toDelivery, type Delivery, type DeliveryRow } from '../../message.js';
import type { SqlExecutor } from '../../postgres/sql-executor.js';
import { assertKnownFields } from '../../validation/fields.js';
import { assertQueueName } from '../../validation/names.js';
import { assertIntegerInRange } from '../../validation/numbers.js';
import type { ClaimedBatch } from './consumer.js';
import type { QueueAdmin } from './queue-admin.js';
import type { BrokerStatements } from './statements/broker-statements.js';

const CLAIM_OPTIONS: ReadonlySet<string> = new Set(['limit', 'leaseMs']);
/** The longest lease a claim (or an extension) may take: SQS's 12-hour visibility limit. */
export const MAX_CLAIM_LEASE_MS = 12 * 60 * 60 * 1000;

/** Claims messages under a fresh lease each, in one round trip: for `Broker.claim` and for the consumers. */
export class Claimer {
  constructor(
    private readonly db: SqlExecutor,
    private readonly sql: BrokerStatements,
    private readonly admin: QueueAdmin,
    /** Told of each claim's deliveries (the activity counts). */
    private readonly delivered: (queue: string, n: number) => void = () => undefined,
  ) {}

  async claim<T>(queue: string, options: ClaimOptions): Promise<Delivery<T>[]> {
    assertKnownFields(options, CLAIM_OPTIONS, 'the claim options');
    const limit = options.limit === undefined ? 1 : options.limit; // null is refused, not read as the default
    assertIntegerInRange('limit', limit, 1, 5000);
    const batch = await this.batch(queue, limit, options.leaseMs, null);
    if (batch.deliveries.length === 0) await this.admin.assertQueueExists(queue);
    return batch.deliveries as Delivery<T>[];
  }

  /** The consumer's claim: also starts at a cursor and reports where the batch ended. */
  async batch(queue: string, limit: number, leaseMs: number | undefined, afterMs: number | null): Promise<ClaimedBatch> {
    assertQueueName(queue);
    if (leaseMs !== undefined) assertIntegerInRange('leaseMs', leaseMs, 1, MAX_CLAIM_LEASE_MS);
    const rows = await this.db.run<DeliveryRow & { cursor_ms: number; lease_ms: number }>(this.sql.claim(queue, limit, leaseMs ?? null, afterMs));
    this.delivered(queue, rows.length);
    return {
      deliveries: rows.map((row) => toDelivery(row)),
      cursorMs: rows.length > 0 ? Math.max(...rows.map((r) => r.cursor_ms)) : null,
      leaseMs: rows[0]?.lease_ms ?? leaseMs ?? 0,
    };
  }
}
