import { checkEffects, type EffectRow, type EffectsResult } from './checkers/effects.js';
import { checkLeases, type LeaseResult } from './checkers/leases.js';
import { checkTotalQueue, type TotalQueueResult } from './checkers/total-queue.js';
import type { FaultFigures } from './figures.js';
import type { HistoryEvent } from './history.js';
import { latencySummary, publishToAckLatencies } from './timing.js';

export interface FaultChecks {
  queue: TotalQueueResult;
  leases: LeaseResult;
  effects?: EffectsResult;
  figures: FaultFigures;
}

/**
 * Runs the common checkers over a run's history and turns their results into the figures every test reports
 * (docs/reliability.md). `reached` are values that ended dead-lettered; `effects` the committed effect rows, with
 * `expectedEffects` the values that must have one.
 */
export function faultFigures(input: {
  history: readonly HistoryEvent[];
  faults: Record<string, number>;
  effects?: readonly EffectRow[];
  expectedEffects?: Iterable<string>;
  deadLettered?: readonly string[];
  /** When processes ended (Supervisor.ends): the end of holds no lease ends (RabbitMQ). */
  ends?: readonly { process: string; at: number }[];
  recoverySeconds?: FaultFigures['recoverySeconds'];
  extra?: FaultFigures['extra'];
}): FaultChecks {
  const queue = checkTotalQueue(input.history, { reached: input.deadLettered });
  const leases = checkLeases(input.history, { ends: input.ends });
  const effects = input.effects ? checkEffects(input.effects, input.history, { expected: input.expectedEffects }) : undefined;
  const latency = latencySummary(publishToAckLatencies(input.history));
  const figures: FaultFigures = {
    attempted: queue.attempted,
    acknowledged: queue.acknowledged,
    delivered: queue.delivered,
    lost: queue.lost.length,
    unexpected: queue.unexpected.length,
    duplicatedDeliveries: queue.duplicatedDeliveries,
    duplicateEffects: effects?.duplicateEffects ?? 0,
    recovered: queue.recovered.length,
    leaseOverlaps: leases.overlaps.length,
    staleAcksAccepted: leases.staleAccepted.length,
    ...(input.deadLettered ? { deadLettered: input.deadLettered.length } : {}),
    ...(input.recoverySeconds ? { recoverySeconds: input.recoverySeconds } : {}),
    ...(Number.isNaN(latency.p50) ? {} : { p50LatencyMs: latency.p50, p99LatencyMs: latency.p99 }),
    faults: input.faults,
    extra: {
      lostPrefix: queue.lostBreakdown.prefix,
      lostMiddle: queue.lostBreakdown.middle,
      lostPostfix: queue.lostBreakdown.postfix,
      ackOutcomeUnknown: queue.ackUnknown.length,
      staleSettlesRefused: leases.refused,
      ...(effects ? { effects: effects.effects, phantomEffects: effects.phantoms.length, missingEffects: effects.missing.length, duplicatesCaughtByInbox: effects.duplicatesDetected } : {}),
      ...input.extra,
    },
  };
  return { queue, leases, effects, figures };
}
