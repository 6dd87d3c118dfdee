import type { FaultFigures } from '@app/messaging/testing/faults';

/** What the failover test saw: every publish's confirm and every delivery, with times in epoch ms. */
export interface FailoverObservations {
  ids: readonly string[];
  confirmed: ReadonlyMap<string, { at: number; sends: number }>;
  deliveries: readonly { id: string; redelivered: boolean; at: number }[];
  /** Just before the SIGKILL, and once the killed VM was gone: anything after `goneAt` came through another node. */
  killedAt: number;
  goneAt: number;
}

const seconds = (ms: number) => Math.round(ms / 10) / 100;

/** The counts the fault tests report (figures.ts), plus the failover's own timings, from what the test saw. */
export function failoverFigures(seen: FailoverObservations) {
  const firstDelivery = new Map<string, number>();
  const freshCopies = new Map<string, number>();
  for (const d of seen.deliveries) {
    if (!firstDelivery.has(d.id)) firstDelivery.set(d.id, d.at);
    // A second copy in the queue (a resent publish whose first send had landed) arrives without the redelivered flag.
    if (!d.redelivered) freshCopies.set(d.id, (freshCopies.get(d.id) ?? 0) + 1);
  }
  const published = new Set(seen.ids);
  const lost = seen.ids.filter((id) => seen.confirmed.has(id) && !firstDelivery.has(id));
  const unexpected = [...firstDelivery.keys()].filter((id) => !published.has(id));
  const resent = [...seen.confirmed].filter(([, c]) => c.sends > 1).map(([id]) => id);
  const confirmTimes = [...seen.confirmed.values()].map((c) => c.at);
  const firstConfirmAfter = Math.min(...confirmTimes.filter((at) => at > seen.goneAt));
  const firstDeliveryAfter = Math.min(...seen.deliveries.filter((d) => d.at > seen.goneAt).map((d) => d.at));
  const drainedAt = Math.max(...firstDelivery.values());
  const figures: Omit<FaultFigures, 'faults' | 'extra'> = {
    attempted: seen.ids.length,
    acknowledged: seen.confirmed.size,
    delivered: firstDelivery.size,
    lost: lost.length,
    unexpected: unexpected.length,
    duplicatedDeliveries: seen.deliveries.length - firstDelivery.size,
    duplicateEffects: 0,
    recovered: resent.filter((id) => firstDelivery.has(id)).length,
    leaseOverlaps: 0,
    staleAcksAccepted: 0,
    recoverySeconds: [{ firstClaim: seconds(firstDeliveryAfter - seen.killedAt), drained: seconds(drainedAt - seen.killedAt) }],
  };
  const extra = {
    killToVmGoneSeconds: seconds(seen.goneAt - seen.killedAt),
    firstConfirmAfterKillSeconds: seconds(firstConfirmAfter - seen.killedAt),
    lastConfirmAfterKillSeconds: seconds(Math.max(...confirmTimes) - seen.killedAt),
    resentPublishes: resent.length,
    resentAndStoredTwice: [...freshCopies.values()].filter((n) => n > 1).length,
    redeliveredFlagged: seen.deliveries.filter((d) => d.redelivered).length,
  };
  return { figures, extra, lost, unexpected, confirmedAfterKill: Number.isFinite(firstConfirmAfter), deliveredAfterKill: Number.isFinite(firstDeliveryAfter), drainedAt };
}
