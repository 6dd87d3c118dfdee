import type { CaseResult } from './results.js';

/** One goal of issue 3 and whether this run met it (null: not measured in this run). */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

const PEERS = ['pg-boss', 'graphile-worker'];

function find(cases: readonly CaseResult[], key: string, system: string): CaseResult | undefined {
  return cases.find((c) => c.key === key && c.system === system);
}

/** Ours over the faster peer (higher-is-better figures). */
function versusBestPeer(cases: readonly CaseResult[], key: string, goal: number, what: string): TargetCheck {
  const ours = find(cases, key, 'ours');
  const peers = PEERS.map((peer) => find(cases, key, peer)).filter((c) => c !== undefined);
  const target = `${what}: ≥ ${goal}× the faster peer`;
  if (!ours || peers.length === 0) return { target, measured: 'not measured', met: null };
  const best = peers.reduce((a, b) => (b.median > a.median ? b : a));
  const ratio = ours.median / best.median;
  return { target, measured: `${ratio.toFixed(2)}× (${best.system})`, met: ratio >= goal };
}

function absolute(cases: readonly CaseResult[], key: string, below: number, what: string): TargetCheck {
  const ours = find(cases, key, 'ours');
  const target = `${what} < ${below} ms`;
  if (!ours) return { target, measured: 'not measured', met: null };
  return { target, measured: `${ours.median.toFixed(2)} ms`, met: ours.median < below };
}

/** The performance goals of issue 3, checked against a run's medians. */
export function checkTargets(cases: readonly CaseResult[]): TargetCheck[] {
  const checks = [
    versusBestPeer(cases, 'drain-c10', 1.5, 'drain, concurrency 10'),
    versusBestPeer(cases, 'drain-c50', 1.5, 'drain, concurrency 50'),
    versusBestPeer(cases, 'publish-batch', 1.5, 'publish in batches of 1,000'),
    versusBestPeer(cases, 'publish-single', 2, 'publish, 1 per awaited call'),
    absolute(cases, 'latency-p50', 3, 'latency p50'),
    absolute(cases, 'latency-p99', 10, 'latency p99'),
  ];
  const big = find(cases, 'drain-1m', 'ours');
  const small = find(cases, 'drain-c50', 'ours');
  const target = '1M backlog drain within 15% of the 100k drain (same concurrency)';
  checks.push(
    big && small
      ? { target, measured: `${((big.median / small.median) * 100).toFixed(0)}% of the 100k rate`, met: big.median >= 0.85 * small.median }
      : { target, measured: 'not measured', met: null },
  );
  return checks;
}
