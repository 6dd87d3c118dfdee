import type { HistoryEvent } from '../history.js';

export interface TotalQueueResult {
  /** Values whose publish was invoked. */
  attempted: number;
  /** Values whose publish returned ok. */
  acknowledged: number;
  /** Values delivered at least once. */
  delivered: number;
  /** Values that reached their end: an accepted ack, one of unknown outcome, or given as reached (dead-lettered). */
  completed: number;
  /**
   * Values whose ack was sent but whose outcome is unknown (the consumer died or lost its connection before the
   * answer) and that were never acked after: after a full drain the broker no longer has them, so the ack took.
   * They count as completed, not lost; the effects checker still checks their work was done once.
   */
  ackUnknown: string[];
  /** Acknowledged values never completed. */
  lost: string[];
  /** Lost values by position among their publisher's values (nats `lost-breakout`). */
  lostBreakdown: { prefix: number; middle: number; postfix: number };
  /** Values delivered that were never published. */
  unexpected: string[];
  /** Values acked (accepted) more than once: what Jepsen's `duplicated` counts. */
  duplicated: string[];
  /** Deliveries beyond the first of a value. */
  duplicatedDeliveries: number;
  /** Values whose publish outcome was unknown (`info`) or failed, delivered anyway. */
  recovered: string[];
  /** lost and unexpected are empty. */
  valid: boolean;
}

/**
 * Jepsen's total-queue checker (reliability.md §1.3) over a merged history: every acknowledged publish must be
 * completed after the drain, nothing unpublished may come out. Duplicates are counted, not failed.
 * `reached` adds values that ended another way (dead-lettered).
 */
export function checkTotalQueue(history: readonly HistoryEvent[], options: { reached?: Iterable<string> } = {}): TotalQueueResult {
  const attempted = new Set<string>();
  const acknowledged = new Set<string>();
  const uncertain = new Set<string>();
  const deliveries = new Map<string, number>();
  const acks = new Map<string, number>();
  const ackSent = new Map<string, string>();
  const ackAnswered = new Set<string>();
  for (const e of history) {
    if (e.f === 'ack' && e.leaseToken) {
      if (e.type === 'invoke') ackSent.set(`${e.process}|${e.leaseToken}`, e.value);
      else if (e.type !== 'info') ackAnswered.add(`${e.process}|${e.leaseToken}`);
    }
    if (e.f === 'publish') {
      if (e.type === 'invoke') attempted.add(e.value);
      else if (e.type === 'ok') acknowledged.add(e.value);
      else uncertain.add(e.value);
    } else if (e.f === 'deliver' && e.type === 'ok') deliveries.set(e.value, (deliveries.get(e.value) ?? 0) + 1);
    else if (e.f === 'ack' && e.type === 'ok') acks.set(e.value, (acks.get(e.value) ?? 0) + 1);
  }
  const ackUnknown = [...new Set([...ackSent].filter(([token]) => !ackAnswered.has(token)).map(([, value]) => value))].filter((v) => !acks.has(v));
  const completed = new Set([...acks.keys(), ...ackUnknown, ...(options.reached ?? [])]);
  const lost = [...acknowledged].filter((v) => !completed.has(v));
  const unexpected = [...new Set([...deliveries.keys(), ...completed])].filter((v) => !attempted.has(v));
  return {
    attempted: attempted.size,
    acknowledged: acknowledged.size,
    delivered: deliveries.size,
    completed: completed.size,
    ackUnknown,
    lost,
    lostBreakdown: breakdown(lost, completed),
    unexpected,
    duplicated: [...acks].filter(([, n]) => n > 1).map(([v]) => v),
    duplicatedDeliveries: [...deliveries.values()].reduce((sum, n) => sum + n - 1, 0),
    recovered: [...uncertain].filter((v) => !acknowledged.has(v) && (completed.has(v) || deliveries.has(v))),
    valid: lost.length === 0 && unexpected.length === 0,
  };
}

/** Splits `<proc>-<n>` values: before the first completed value of their publisher, between, or after the last. */
function breakdown(lost: readonly string[], completed: ReadonlySet<string>): TotalQueueResult['lostBreakdown'] {
  const range = new Map<string, [number, number]>();
  for (const value of completed) {
    const [proc, n] = split(value);
    const [low, high] = range.get(proc) ?? [Infinity, -Infinity];
    range.set(proc, [Math.min(low, n), Math.max(high, n)]);
  }
  const result = { prefix: 0, middle: 0, postfix: 0 };
  for (const value of lost) {
    const [proc, n] = split(value);
    const [low, high] = range.get(proc) ?? [Infinity, -Infinity];
    if (n < low) result.prefix++;
    else if (n > high) result.postfix++;
    else result.middle++;
  }
  return result;
}

function split(value: string): [string, number] {
  const at = value.lastIndexOf('-');
  return [value.slice(0, at), Number(value.slice(at + 1))];
}
