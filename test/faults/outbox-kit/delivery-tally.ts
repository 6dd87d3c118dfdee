import type pg from 'pg';
import { waitFor } from '@app/messaging/testing';
import { percentile, type FaultFigures } from '@app/messaging/testing/faults';
import { SERVICE_SCHEMA } from './service-database.js';

export interface Tally {
  /** Message ids delivered at least once. */
  delivered: Set<string>;
  /** Committed, never delivered. */
  lost: string[];
  /** Delivered, never committed (a rolled-back transaction's event, or one nobody wrote). */
  ghosts: string[];
  /** Deliveries beyond the first of a message id. */
  duplicatedDeliveries: number;
  /** Commit → first delivery, ms, per delivered committed message. */
  lags: number[];
}

/** Compares what the producers committed (message id → commit time) with what the consumer got. */
export function tally(committedAt: Map<string, number>, deliveries: readonly { messageId: string; at: number }[]): Tally {
  const first = new Map<string, number>();
  for (const d of deliveries) if (!first.has(d.messageId)) first.set(d.messageId, d.at);
  const delivered = new Set(first.keys());
  return {
    delivered,
    lost: [...committedAt.keys()].filter((id) => !delivered.has(id)),
    ghosts: [...delivered].filter((id) => !committedAt.has(id)),
    duplicatedDeliveries: deliveries.length - delivered.size,
    lags: [...committedAt].filter(([id]) => first.has(id)).map(([id, at]) => first.get(id)! - at),
  };
}

/** The report's figures for an outbox test; the lease figures are 0 by construction (these tests do not lease by hand). */
export function tallyFigures(
  t: Tally,
  counts: { attempted: number; acknowledged: number; duplicateEffects: number },
  faults: Record<string, number>,
  extra: Record<string, number | string>,
): FaultFigures {
  return {
    ...counts,
    delivered: t.delivered.size,
    lost: t.lost.length,
    unexpected: t.ghosts.length,
    duplicatedDeliveries: t.duplicatedDeliveries,
    recovered: 0,
    leaseOverlaps: 0,
    staleAcksAccepted: 0,
    p50LatencyMs: percentile(t.lags, 50),
    p99LatencyMs: percentile(t.lags, 99),
    faults,
    extra,
  };
}

export async function outboxCount(pool: pg.Pool): Promise<number> {
  return (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SERVICE_SCHEMA}.outbox`)).rows[0].n;
}

/** Effects beyond the first per message id, from the service's `effects` table. */
export async function duplicateEffects(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM effects GROUP BY message_id`);
  return rows.reduce((sum, row) => sum + row.n - 1, 0);
}

/**
 * Waits (up to 90 s) until every committed message was delivered and the outbox is empty, then a second more for
 * a late duplicate; returns how long the drain took, in seconds. A drain that does not finish is not thrown: the
 * figures say what is missing.
 */
export async function drain(pool: pg.Pool, committed: () => Iterable<string>, delivered: () => Set<string>): Promise<number> {
  const start = Date.now();
  await waitFor(
    async () => {
      const got = delivered();
      return [...committed()].every((id) => got.has(id)) && (await outboxCount(pool)) === 0;
    },
    { timeoutMs: 90_000, intervalMs: 200, what: 'every committed message delivered and the outbox empty' },
  ).catch(() => undefined);
  const seconds = (Date.now() - start) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return seconds;
}
