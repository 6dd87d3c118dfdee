import type { BenchResults, CaseResult } from './results.js';
import { SYSTEM_LABELS } from './systems/system.js';
import { checkTargets } from './targets.js';

const LIBRARIES = ['ours', 'pg-boss', 'graphile-worker'];
const PEERS = ['pg-boss', 'graphile-worker'];
/** The driver comparison: the RabbitMQ driver against the PostgreSQL driver of the same broker API. */
const RABBITMQ = 'ours-rabbitmq';
const DRIVERS = ['ours', RABBITMQ] as const;
const DRIVER_LABELS = { ours: 'ours (PostgreSQL driver)', [RABBITMQ]: SYSTEM_LABELS[RABBITMQ] };
type Style = 'text' | 'markdown';

export function formatNumber(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '–';
  const digits = unit === 'ms' ? (value < 10 ? 2 : 1) : value < 100 ? 1 : 0;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median (min–max)", or just the value for a single run. */
export function formatCell(result: CaseResult | undefined): string {
  if (!result) return '–';
  const median = formatNumber(result.median, result.unit);
  return result.runs.length > 1 ? `${median} (${formatNumber(result.min, result.unit)}–${formatNumber(result.max, result.unit)})` : median;
}

/** Ours against a peer, so that above 1 always means ours is better: ours/peer for throughput, peer/ours otherwise. */
export function ratio(ours: CaseResult | undefined, peer: CaseResult | undefined): number | null {
  if (!ours || !peer || ours.median === 0 || peer.median === 0) return null;
  return ours.better === 'higher' ? ours.median / peer.median : peer.median / ours.median;
}

function formatRatio(value: number | null): string {
  return value === null ? '–' : `${value.toFixed(2)}×`;
}

function table(header: string[], rows: string[][], style: Style, rightAligned: (column: number) => boolean): string {
  if (style === 'markdown') {
    const align = header.map((_, i) => (rightAligned(i) ? '---:' : '---'));
    return [header, align, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
  }
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)));
  const line = (row: string[]) => row.map((cell, i) => (rightAligned(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function keysInOrder(cases: readonly CaseResult[], include: (c: CaseResult) => boolean): string[] {
  return [...new Set(cases.filter(include).map((c) => c.key))];
}

/** The libraries side by side: median (min–max) per system and ours against each peer. */
export function libraryTable(results: BenchResults, style: Style): string {
  const cases = results.cases;
  const rows = keysInOrder(cases, (c) => LIBRARIES.includes(c.system)).map((key) => {
    const bySystem = new Map(cases.filter((c) => c.key === key).map((c) => [c.system, c]));
    const any = [...bySystem.values()][0];
    const ours = bySystem.get('ours');
    return [
      any.name,
      any.unit,
      ...LIBRARIES.map((system) => formatCell(bySystem.get(system))),
      ...PEERS.map((peer) => formatRatio(ratio(ours, bySystem.get(peer)))),
    ];
  });
  return table(['case', 'unit', ...LIBRARIES, ...PEERS.map((peer) => `ours vs ${peer}`)], rows, style, (i) => i >= 2);
}

export function rawTable(results: BenchResults, style: Style): string {
  const raw = results.cases.filter((c) => c.system === 'postgres');
  if (raw.length === 0) return '';
  const rows = raw.map((c) => [c.name, formatCell(c), formatNumber(c.extra?.tps ?? Number.NaN, 'tx/s'), formatNumber(c.extra?.latencyMs ?? Number.NaN, 'ms')]);
  return table(['pgbench script, clients', 'rows/s', 'tx/s', 'avg latency ms'], rows, style, (i) => i >= 1);
}

/** Why the RabbitMQ driver has no figures in these results, or null when it has. */
export function driverAbsence(results: BenchResults): string | null {
  if (results.cases.some((c) => c.system === RABBITMQ)) return null;
  const reason = results.skipped?.[RABBITMQ];
  return reason ? `The RabbitMQ driver did not run in this benchmark: ${reason}.` : 'The RabbitMQ driver was not among the systems of this run.';
}

/**
 * Our broker on its two drivers, case by case: the RabbitMQ driver over the PostgreSQL driver, above 1 meaning the
 * RabbitMQ driver is better (throughput rabbitmq/pg, latency and memory pg/rabbitmq). A sentence when it did not run.
 */
export function driverTable(results: BenchResults, style: Style): string {
  const absent = driverAbsence(results);
  if (absent) return absent;
  const cases = results.cases;
  const rows = keysInOrder(cases, (c) => c.system === RABBITMQ).map((key) => {
    const bySystem = new Map(cases.filter((c) => c.key === key).map((c) => [c.system, c]));
    const rabbit = bySystem.get(RABBITMQ)!;
    return [rabbit.name, rabbit.unit, ...DRIVERS.map((system) => formatCell(bySystem.get(system))), formatRatio(ratio(rabbit, bySystem.get('ours')))];
  });
  return table(['case', 'unit', ...DRIVERS.map((system) => DRIVER_LABELS[system]), 'RabbitMQ / PostgreSQL driver'], rows, style, (i) => i >= 2);
}

/**
 * CPU time per message: in the library's Node process, on the whole machine (PostgreSQL and RabbitMQ included),
 * and, for the RabbitMQ driver, in the RabbitMQ server (its beam.smp process).
 */
export function cpuTable(results: BenchResults, style: Style): string {
  const cases = results.cases.filter((c) => c.extra?.nodeCpuUsPerMsg !== undefined);
  const systems = cases.some((c) => c.system === RABBITMQ) ? [...LIBRARIES, RABBITMQ] : LIBRARIES;
  const us = (value: number | undefined) => formatNumber(value ?? Number.NaN, 'µs');
  const rows = keysInOrder(cases, () => true).map((key) => {
    const bySystem = new Map(cases.filter((c) => c.key === key).map((c) => [c.system, c]));
    const cell = (system: string) => {
      const extra = bySystem.get(system)?.extra;
      if (!extra) return '–';
      const server = system === RABBITMQ ? ` / ${us(extra.serverCpuUsPerMsg)}` : '';
      return `${us(extra.nodeCpuUsPerMsg)} / ${us(extra.hostCpuUsPerMsg)}${server}`;
    };
    return [[...bySystem.values()][0].name, ...systems.map(cell)];
  });
  const header = systems.includes(RABBITMQ)
    ? 'case (µs of CPU per message: Node / whole machine; RabbitMQ driver: Node / whole machine / RabbitMQ server)'
    : 'case (µs of CPU per message: Node / whole machine)';
  return table([header, ...systems.map((system) => SYSTEM_LABELS[system as keyof typeof SYSTEM_LABELS])], rows, style, (i) => i >= 1);
}

export function targetTable(results: BenchResults, style: Style): string {
  const mark = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : 'MISSED');
  const rows = checkTargets(results.cases).map((check) => [check.target, check.measured, mark(check.met)]);
  return table(['target (issue 3)', 'measured (ours)', 'status'], rows, style, () => false);
}

export function notes(results: BenchResults): string[] {
  return results.cases.filter((c) => c.note).map((c) => `${c.system}, ${c.name}: ${c.note}`);
}

/** Everything the run prints at the end. */
export function textReport(results: BenchResults): string {
  const parts = [
    `Benchmark (${results.mode} run, ${Math.round(results.durationSeconds)} s): median (min–max) over ${results.mode === 'full' ? 'the runs' : 'one run'}; ratios > 1 mean ours is better.`,
    libraryTable(results, 'text'),
    notes(results).map((note) => `* ${note}`).join('\n'),
    `RabbitMQ driver vs PostgreSQL driver (above 1: the RabbitMQ driver is better):\n${driverTable(results, 'text')}`,
    rawTable(results, 'text'),
    cpuTable(results, 'text'),
    targetTable(results, 'text'),
  ];
  if (results.failures.length > 0) parts.push(`FAILED:\n${results.failures.map((f) => `  ${f}`).join('\n')}`);
  return `${parts.filter(Boolean).join('\n\n')}\n`;
}
