import type { NackOptions, NackOutcome, SettleResult } from '../../driver/broker-types.js';
export type { NackOptions, NackOutcome, SettleResult } from '../../driver/broker-types.js';
import { InvalidArgumentError, LeaseLostError } from '../../errors.js';
import { assertKnownFields } from '../../validation/fields.js';
import type { BrokerStatements } from './statements/broker-statements.js';
import { Batcher } from '../../core/batcher.js';
import { deliveryTime } from '../../core/delivery-time.js';
import { errorText } from '../../core/error-text.js';
import { MAX_NACK_DELAY_MS } from '../../limits.js';
import type { Delivery } from '../../message.js';
import type { SqlExecutor } from '../../postgres/sql-executor.js';

type Held = Pick<Delivery, 'id' | 'leaseToken' | 'messageId'>;

/** Max deliveries per settle statement. */
const MAX_SETTLE_BATCH = 1000;

// The alerter and the relay import it from here.
export { errorText } from '../../core/error-text.js';

/**
 * Ack, nack, extend and release, each fenced by the lease token. The `*Many` methods settle a batch in one statement;
 * `ack` and `nack` join a shared batch (see Batcher) and throw LeaseLostError when the lease was lost.
 */
export class Settler {
  private readonly ackBatcher = new Batcher<Held, boolean>((items) => this.ackFlags(items), MAX_SETTLE_BATCH);
  private readonly nackBatcher = new Batcher<[Held, NackOptions], NackOutcome | null>((items) => this.nackOutcomes(items), MAX_SETTLE_BATCH);

  constructor(
    private readonly db: SqlExecutor,
    private readonly sql: BrokerStatements,
    /** Told of what was acked and dead-lettered, per queue (the activity counts). */
    private readonly counted: (queue: string, counter: 'acked' | 'deadLettered') => void = () => undefined,
  ) {}

  async ack(delivery: Held): Promise<void> {
    if (!(await this.ackBatcher.add(delivery))) throw new LeaseLostError(delivery.messageId, 'ack');
  }

  async nack(delivery: Held, options: NackOptions = {}): Promise<NackOutcome> {
    deliveryTime(options, { messageId: delivery.messageId }, MAX_NACK_DELAY_MS);
    assertNackOptions(options);
    const outcome = await this.nackBatcher.add([delivery, options]);
    if (outcome === null) throw new LeaseLostError(delivery.messageId, 'nack');
    return outcome;
  }

  async ackMany(deliveries: readonly Held[]): Promise<SettleResult> {
    const flags = await this.ackFlags(deliveries);
    return split(deliveries, flags);
  }

  async nackMany(deliveries: readonly Held[], options: NackOptions = {}): Promise<SettleResult & { outcomes: Map<string, NackOutcome> }> {
    deliveryTime(options, {}, MAX_NACK_DELAY_MS);
    assertNackOptions(options);
    const outcomes = await this.nackOutcomes(deliveries.map((d) => [d, options]));
    const result = split(deliveries, outcomes.map((o) => o !== null));
    return { ...result, outcomes: new Map(deliveries.flatMap((d, i) => (outcomes[i] ? [[d.id, outcomes[i]]] : []))) };
  }

  /** Extends the lease to now + leaseMs; returns the new expiry. */
  async extendLease(delivery: Held, leaseMs: number): Promise<Date> {
    const rows = await this.db.run<{ id: string; lease_expires_at: Date }>(this.sql.extendLease([delivery.id], [delivery.leaseToken], leaseMs));
    if (rows.length === 0) throw new LeaseLostError(delivery.messageId, 'extend');
    return rows[0].lease_expires_at;
  }

  /** Makes held messages visible again now; `refund` un-counts their attempt (their handler never ran). */
  async releaseMany(deliveries: readonly Held[], refund: boolean): Promise<SettleResult> {
    if (deliveries.length === 0) return { settled: [], lost: [] };
    const rows = await this.db.run<{ id: string }>(
      this.sql.release(
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.leaseToken),
        deliveries.map(() => refund),
      ),
    );
    const released = new Set(rows.map((r) => r.id));
    return split(deliveries, deliveries.map((d) => released.has(d.id)));
  }

  /** Batched acks and nacks not yet written. */
  get backlog(): number {
    return this.ackBatcher.size + this.nackBatcher.size;
  }

  /** Resolves when every batched ack and nack so far is written. */
  async idle(): Promise<void> {
    await Promise.all([this.ackBatcher.idle(), this.nackBatcher.idle()]);
  }

  private async ackFlags(deliveries: readonly Held[]): Promise<boolean[]> {
    if (deliveries.length === 0) return [];
    const rows = await this.db.run<{ id: string; queue: string }>(this.sql.ack(deliveries.map((d) => d.id), deliveries.map((d) => d.leaseToken)));
    for (const row of rows) this.counted(row.queue, 'acked');
    const acked = new Set(rows.map((r) => r.id));
    return deliveries.map((d) => acked.has(d.id));
  }

  private async nackOutcomes(items: readonly [Held, NackOptions][]): Promise<(NackOutcome | null)[]> {
    if (items.length === 0) return [];
    const rows = await this.db.run<{ id: string; queue: string; outcome: NackOutcome }>(
      this.sql.nack({
        ids: items.map(([d]) => d.id),
        tokens: items.map(([d]) => d.leaseToken),
        errors: items.map(([, o]) => errorText(o.error)),
        delaysMs: items.map(([, o]) => o.delayMs ?? null),
        deliverAts: items.map(([, o]) => o.deliverAt ?? null),
        rejects: items.map(([, o]) => o.reject === true),
      }),
    );
    for (const row of rows) if (row.outcome === 'dead_lettered') this.counted(row.queue, 'deadLettered');
    const outcomes = new Map(rows.map((r) => [r.id, r.outcome]));
    return items.map(([d]) => outcomes.get(d.id) ?? null);
  }
}

function split(deliveries: readonly Held[], flags: boolean[]): SettleResult {
  return {
    settled: deliveries.filter((_, i) => flags[i]).map((d) => d.id),
    lost: deliveries.filter((_, i) => !flags[i]).map((d) => d.id),
  };
}

const NACK_OPTIONS: ReadonlySet<string> = new Set(['delayMs', 'deliverAt', 'reject', 'error']);

/** Unknown options, and a `reject` that is not a boolean (`'no'` must not be read as anything), are refused. */
function assertNackOptions(options: NackOptions): void {
  assertKnownFields(options, NACK_OPTIONS, 'the nack options');
  if (options.reject !== undefined && typeof options.reject !== 'boolean') {
    throw new InvalidArgumentError(`reject must be a boolean, got ${typeof options.reject}`, { option: 'reject' });
  }
}
