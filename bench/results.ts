import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Better, Sample } from './context.js';
import { median, summarize } from './stats.js';

export const LATEST_RESULTS = fileURLToPath(new URL('./results/latest.json', import.meta.url));

/** One case for one system over all its runs. */
export interface CaseResult {
  /** Stable id of the figure, e.g. 'drain-c10'. */
  key: string;
  name: string;
  system: string;
  unit: string;
  better: Better;
  median: number;
  min: number;
  max: number;
  /** Every run's value, in run order. */
  runs: number[];
  note?: string;
  /** Medians of the runs' side figures (CPU per message and the like). */
  extra?: Record<string, number>;
}

export interface BenchResults {
  mode: 'full' | 'quick';
  command: string;
  startedAt: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; kernel: string; node: string };
  versions: Record<string, string>;
  postgres: { source: string; settings: Record<string, string> };
  /** How each system was configured, in words. */
  configurations: Record<string, string>;
  cases: CaseResult[];
  /** Correctness failures and crashes; non-empty means the run failed. */
  failures: string[];
  /** Systems of the plan that did not run, with the reason (ours-rabbitmq without RABBITMQ_URL). */
  skipped?: Record<string, string>;
}

/** The order of figures in the results and tables; others follow in the order they were first measured. */
const KEY_ORDER = [
  'baseline-rss',
  'publish-single',
  'publish-batch',
  'drain-c10',
  'drain-c10-rss',
  'drain-c50',
  'drain-c50-rss',
  'drain-c10-default-prefetch',
  'drain-c10-default-prefetch-rss',
  'latency-p50',
  'latency-p95',
  'latency-p99',
  'latency-max',
  'fan-out-publish',
  'fan-out-drain',
  'fan-out-drain-rss',
  'publish-batch-1m',
  'drain-1m',
  'drain-1m-rss',
];
const SYSTEM_ORDER = ['ours', 'ours-rabbitmq', 'pg-boss', 'graphile-worker', 'postgres'];

function rank(result: CaseResult): number {
  const index = KEY_ORDER.indexOf(result.key);
  return (index < 0 ? KEY_ORDER.length : index) * SYSTEM_ORDER.length + SYSTEM_ORDER.indexOf(result.system);
}

/** Groups samples by figure (key) and system. */
export function aggregate(samples: readonly Sample[]): CaseResult[] {
  const groups = new Map<string, Sample[]>();
  for (const sample of samples) {
    const key = `${sample.key}\u0000${sample.system}`;
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  return [...groups.values()].map((group) => {
    const [first] = group;
    const values = group.map((s) => s.value);
    const extraKeys = [...new Set(group.flatMap((s) => Object.keys(s.extra ?? {})))];
    const result: CaseResult = { key: first.key, name: first.name, system: first.system, unit: first.unit, better: first.better, ...summarize(values), runs: values };
    const note = group.find((s) => s.note)?.note;
    if (note) result.note = note;
    if (extraKeys.length > 0) {
      result.extra = Object.fromEntries(extraKeys.map((key) => [key, median(group.flatMap((s) => (s.extra?.[key] === undefined ? [] : [s.extra[key]])))]));
    }
    return result;
  }).sort((a, b) => rank(a) - rank(b));
}

export function machineInfo(): BenchResults['machine'] {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
  };
}

/** The version field of a package.json, relative to the repository root. */
export function packageVersion(path: string): string {
  const file = fileURLToPath(new URL(`../${path}`, import.meta.url));
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export function writeResults(results: BenchResults, file = LATEST_RESULTS): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

export function readResults(file = LATEST_RESULTS): BenchResults {
  return JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
}
