import type { FaultReport } from '@app/messaging/testing/faults';
import { missedBars } from '../faults/acceptance.js';
import { reliabilityDoc } from '../faults/write-reliability-doc.js';

const report = (id: string, figures: Partial<FaultReport['figures']>): FaultReport => ({
  id,
  title: `${id} title`,
  schedule: 'what it did',
  profile: 'full',
  durationSeconds: 1,
  figures: { attempted: 10, acknowledged: 10, delivered: 10, lost: 0, unexpected: 0, duplicatedDeliveries: 0, duplicateEffects: 0, recovered: 0, leaseOverlaps: 0, staleAcksAccepted: 0, faults: {}, ...figures },
});

describe('docs/reliability.md writer', () => {
  it('holds every report to the acceptance bar', () => {
    expect(missedBars(report('T01', {}))).toEqual([]);
    expect(missedBars(report('T01', { lost: 2, staleAcksAccepted: 1 }))).toEqual(['lost = 2', 'stale acks accepted = 1']);
    expect(missedBars(report('T01', { duplicatedDeliveries: 3 }))).toEqual(['duplicated deliveries = 3 without a fault']);
    expect(missedBars(report('T02', { duplicatedDeliveries: 3, faults: { SIGKILL: 2 } }))).toEqual([]);
    expect(missedBars(report('T05', { faults: { 'postgres-crash': 1 }, recoverySeconds: [{ firstClaim: 12, drained: 13 }] }))).toEqual(['first claim 12 s after a restart']);
  });

  it('writes a section per test in order, the placeholders, and what could not be tested', () => {
    const doc = reliabilityDoc([report('T11', { lost: 1 }), report('T02', { faults: { SIGKILL: 4 }, extra: { redeliveryP50Ms: 2100 } })], '2026-12-03');
    expect(doc).toContain('Generated 2026-12-03');
    expect(doc.indexOf('## T02')).toBeLessThan(doc.indexOf('## T11'));
    expect(doc).toContain('| T11 | T11 title | full | FAIL |');
    expect(doc).toContain('**Result: FAIL (lost = 1)**');
    expect(doc).toContain('| faults injected | SIGKILL × 4 |');
    expect(doc).toContain('| redeliveryP50Ms | 2100 |');
    for (const text of ['T12 DLQ redrive', 'T20 Back-pressure', 'T22 Message authenticity', 'Power loss', 'Multi-node replication']) expect(doc).toContain(text);
  });
});
