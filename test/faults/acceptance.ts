import type { FaultReport } from '@app/messaging/testing/faults';

/** The acceptance bar every fault test is held to (reliability.md §5.1), as the doc states it. */
export const ACCEPTANCE_BAR = [
  'lost = 0, unexpected = 0, duplicate effects = 0, stale acks accepted = 0, lease overlaps = 0 in every test;',
  'duplicated deliveries only in tests that inject a fault (kill, pause, crash, forced copies);',
  'T05: every restart is followed by a successful claim within 10 s.',
];

/** The parts of the bar a report misses (empty: it passes). */
export function missedBars(report: FaultReport): string[] {
  const f = report.figures;
  const missed: string[] = [];
  const zero: [string, number][] = [
    ['lost', f.lost],
    ['unexpected', f.unexpected],
    ['duplicate effects', f.duplicateEffects],
    ['stale acks accepted', f.staleAcksAccepted],
    ['lease overlaps', f.leaseOverlaps],
  ];
  for (const [name, value] of zero) if (value !== 0) missed.push(`${name} = ${value}`);
  const injected = Object.values(f.faults).some((n) => n > 0);
  if (!injected && f.duplicatedDeliveries > 0) missed.push(`duplicated deliveries = ${f.duplicatedDeliveries} without a fault`);
  if (report.id === 'T05') {
    for (const r of f.recoverySeconds ?? []) if (!(r.firstClaim < 10)) missed.push(`first claim ${r.firstClaim} s after a restart`);
  }
  return missed;
}
