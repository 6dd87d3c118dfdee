import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The figures every fault test reports (docs/reliability.md). Counts are of unique values unless said otherwise. */
export interface FaultFigures {
  attempted: number;
  acknowledged: number;
  delivered: number;
  lost: number;
  unexpected: number;
  /** Deliveries beyond the first of a value. */
  duplicatedDeliveries: number;
  duplicateEffects: number;
  /** Values whose publish outcome was unknown (`info`) and that were delivered anyway. */
  recovered: number;
  leaseOverlaps: number;
  staleAcksAccepted: number;
  deadLettered?: number;
  /** Fault end → first successful claim, and → backlog drained, seconds, one entry per fault. */
  recoverySeconds?: { firstClaim: number; drained: number }[];
  p50LatencyMs?: number;
  p99LatencyMs?: number;
  /** Counts of injected faults by kind, e.g. { SIGKILL: 12, 'postgres-crash': 3 }. */
  faults: Record<string, number>;
  /** Anything else the test measured, by name. */
  extra?: Record<string, number | string>;
}

export interface FaultReport {
  /** `T01` … `T25`. */
  id: string;
  /** The broker it ran on; absent: PostgreSQL. */
  driver?: 'postgres' | 'rabbitmq';
  title: string;
  /** What the workload did and the fault schedule, in a sentence or two. */
  schedule: string;
  /** `smoke` in npm test, `full` under npm run chaos. */
  profile: FaultProfile;
  durationSeconds: number;
  figures: FaultFigures;
}

export type FaultProfile = 'smoke' | 'full';

/** `full` under `npm run chaos` (CHAOS_PROFILE=full), else `smoke`: tests size their loads and schedules by it. */
export function faultProfile(): FaultProfile {
  return process.env.CHAOS_PROFILE === 'full' ? 'full' : 'smoke';
}

/** Picks the smoke or the full value of a test parameter. */
export function sized<T>(smoke: T, full: T): T {
  return faultProfile() === 'full' ? full : smoke;
}

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../test/faults/results');

/**
 * Writes the report as test/faults/results/<id>.json, or <id>-rabbitmq.json (git-ignored); `npm run chaos` turns
 * them into docs/reliability.md.
 */
export function recordFaultReport(report: FaultReport): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const suffix = report.driver && report.driver !== 'postgres' ? `-${report.driver}` : '';
  writeFileSync(join(RESULTS_DIR, `${report.id}${suffix}.json`), JSON.stringify(report, null, 2) + '\n');
}
