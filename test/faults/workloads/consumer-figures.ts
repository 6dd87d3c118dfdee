// The checks every Consumer-based fault test ends with: drain, then the harness's checkers (faultFigures) over the
// merged history and the committed effects, and the acceptance bar (test/faults/acceptance.ts) as expectations.
import { faultFigures, faultProfile, historyFiles, readHistory, recordFaultReport, type FaultChecks, type FaultFigures, type FaultReport, type HistoryEvent } from '../../../libs/messaging/testing/faults/index.js';
import { missedBars } from '../acceptance.js';
import type { ConsumerWorkload } from './consumer-kit.js';

export type ConsumerChecks = FaultChecks & {
  history: HistoryEvent[];
  /** Values whose ack outcome the worker could not know and whose message is still in the broker (must be none). */
  unknownAcksStillQueued: string[];
};

/**
 * Runs the checkers after the drain. Every acknowledged value must have exactly one effect. An ack of unknown
 * outcome (its connection failed after sending it) counts as completed after the drain (total-queue); a final read
 * checks that its message is indeed gone.
 */
export async function checkConsumerRun(workload: ConsumerWorkload, input: { faults: Record<string, number>; extra?: FaultFigures['extra'] }): Promise<ConsumerChecks> {
  const history = readHistory(historyFiles(workload.historyDir));
  const left = new Set((await workload.admin.query<{ id: string }>(`SELECT message_id AS id FROM "${workload.schema}".messages`)).rows.map((r) => r.id));
  const checks = faultFigures({
    history,
    faults: input.faults,
    effects: await workload.effects(),
    expectedEffects: events(history, 'publish', 'ok').map((e) => e.value),
    extra: input.extra,
  });
  const acked = new Set(events(history, 'ack', 'ok').map((e) => e.value));
  const unknownAcksStillQueued = events(history, 'ack', 'info').filter((e) => !acked.has(e.value) && left.has(e.messageId!)).map((e) => e.value);
  return { ...checks, history, unknownAcksStillQueued };
}

/**
 * Records the test's report (test/faults/results/<id>.json): the checkers' figures (latency is publish to ack) and
 * the test's own measurements in `extra`.
 */
export function recordConsumerReport(input: {
  id: string;
  title: string;
  schedule: string;
  startedAt: number;
  checks: ConsumerChecks;
  extra: NonNullable<FaultFigures['extra']>;
}): FaultReport {
  const { checks } = input;
  const report: FaultReport = {
    id: input.id,
    title: input.title,
    schedule: input.schedule,
    profile: faultProfile(),
    durationSeconds: Math.round((Date.now() - input.startedAt) / 1000),
    figures: { ...checks.figures, extra: { ...checks.figures.extra, ...input.extra } },
  };
  recordFaultReport(report);
  return report;
}

/** The acceptance bar (docs/reliability.md) as Jest expectations, with the offending values in the failure. */
export function expectAcceptance(checks: ConsumerChecks, report: FaultReport): void {
  expect({ lost: checks.queue.lost, unexpected: checks.queue.unexpected, unknownAcksStillQueued: checks.unknownAcksStillQueued }).toEqual({ lost: [], unexpected: [], unknownAcksStillQueued: [] });
  expect({ duplicated: checks.effects!.duplicatedValues, phantoms: checks.effects!.phantoms, missing: checks.effects!.missing }).toEqual({ duplicated: [], phantoms: [], missing: [] });
  expect({ overlaps: checks.leases.overlaps, staleAccepted: checks.leases.staleAccepted }).toEqual({ overlaps: [], staleAccepted: [] });
  expect(missedBars(report)).toEqual([]);
}

/** Events of one kind, e.g. `events(history, 'deliver', 'ok')`. */
export function events(history: readonly HistoryEvent[], f: HistoryEvent['f'], type: HistoryEvent['type']): HistoryEvent[] {
  return history.filter((e) => e.f === f && e.type === type);
}
