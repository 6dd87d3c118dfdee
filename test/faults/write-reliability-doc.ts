// Writes docs/reliability.md from test/faults/results/*.json (what `npm run chaos` leaves there): per test what it
// did, its fault schedule, its figures and whether it met the acceptance bar. `npm run chaos` runs it last.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FaultFigures, FaultReport } from '@app/messaging/testing/faults';
import { ACCEPTANCE_BAR, missedBars } from './acceptance.js';

const here = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(here, 'results');
const DOC = join(here, '../../docs/reliability.md');

/** Tests that come with later features (test/faults/README.md). */
const PLACEHOLDERS = [
  ['T12', 'DLQ redrive authorisation and idempotence', 'with the admin API (issue 11).'],
  ['T20', 'Back-pressure (bounded queues, `QueueFullError`, 503 from the order API)', 'with bounded queues (issue 12).'],
  ['T22', 'Message authenticity (signed messages)', 'not yet planned in an issue.'],
];

/**
 * Which tests run on which broker (test/faults/README.md says the same): the RabbitMQ runs are the `-rabbitmq`
 * results, where RABBITMQ_URL was set.
 */
const BROKERS = [
  'PostgreSQL: every test below.',
  'RabbitMQ as well (the same test and checkers through the RabbitMQ fault driver, libs/messaging/testing/faults/rabbitmq-driver.ts): T01, T02, T11, T15, and in place of T03 the paused-holder test (no lease runs out on RabbitMQ, so no zombie arises: a paused worker keeps its message, and a SIGKILL returns it with attempt + 1). On RabbitMQ times are the claiming process\'s clock (RabbitMQ gives none) and a hold ends at its settle or with its process.',
  'PostgreSQL only: T04, T06-T10 (they test the PostgreSQL broker\'s own Consumer: LISTEN, heartbeats by lease extension, faults on its PostgreSQL connections); T05 (a PostgreSQL crash; the RabbitMQ equivalent, a broker node crash, needs a node the test starts itself and is not written yet); T21 (database roles); T13, T14, T16, T17, T23, T24 (not ported yet); T18, T19, T25 (they run on the PostgreSQL broker and apps; their RabbitMQ variants are not written yet).',
];

/** What each checker (libs/messaging/testing/faults/checkers) counts: the definitions the comments there refer to. */
const CHECKERS = [
  '**lost, unexpected, duplicated, recovered** (Jepsen\'s `total-queue`): lost = a publish acknowledged to the caller whose value was never delivered and acknowledged by the end of the drain; unexpected = a value delivered that nobody published; duplicated deliveries = deliveries of a value beyond its first; recovered = a value whose publish outcome was unknown (`info`: a timeout, a connection lost during COMMIT) that was delivered anyway (never counted as lost). A run ends with a drain (faults healed, consumers run until several empty polls in a row), so a slow value is not taken for a lost one.',
  '**lease overlaps, stale acks accepted** (the lease-queue model of Queen MQ\'s Jepsen suite): two deliveries of one message under leases that overlap in server time ([claimed at, lease expires at]) by different holders; an ack, nack or extension accepted with a lease token that was no longer the current one; a message claimed again after an ack of it was accepted.',
  '**duplicate effects, phantom effects** (the pipeline model): effects are rows a handler commits in the same transaction as its inbox record, in a table without a unique key, so a second effect of one value is counted, not prevented; a phantom is an effect of a value nobody published or whose transaction failed.',
  '**dead-letter correctness** (the DLQ model): every acknowledged publish ends exactly once, completed XOR dead-lettered; values that should complete never reach the dead-letter queue; poison values never complete; the dead-letter queue holds no duplicates and no unknown values.',
  '**per-key order**: the values of one ordering key are delivered (or arrive at the broker) in the order they were published or committed.',
];

/** The order system's effects outside PostgreSQL, where the inbox cannot make them exactly once (T16 counts them). */
const EXTERNAL_EFFECTS = [
  '**Charges: exactly once.** The payment provider takes an idempotency key (the order id), so a redelivered charge gets the first answer back; T16 counts the provider\'s charges per order (double-charged and phantom must be 0).',
  '**Mails: at least once, each repeat under the same Message-ID.** SMTP has no idempotency. The notification worker commits a send intent before it sends and marks it sent with the inbox row after; a mail repeats only when its send was in doubt: the SMTP server had accepted it, then the worker died or lost its database before the mark (a SIGKILL, a PostgreSQL crash, a blackhole), and the redelivery sent it again (`MAIL_IN_DOUBT=resend`, the default). Every mail of one event carries one Message-ID derived from the message id and template, so a receiver that drops duplicates by Message-ID shows one; T16 reports raw sends against Message-IDs (a second Message-ID for one event must be 0). `MAIL_IN_DOUBT=skip` makes mails at most once instead (the doubtful one is recorded as skipped and logged).',
];

const LABELS: Partial<Record<keyof FaultFigures, string>> = {
  attempted: 'values attempted',
  acknowledged: 'publishes acknowledged',
  delivered: 'values delivered',
  lost: 'lost',
  unexpected: 'unexpected',
  duplicatedDeliveries: 'duplicated deliveries',
  duplicateEffects: 'duplicate effects',
  recovered: 'recovered (unknown publish, delivered)',
  leaseOverlaps: 'lease overlaps',
  staleAcksAccepted: 'stale acks accepted',
  deadLettered: 'dead-lettered',
  p50LatencyMs: 'publish → ack p50 (ms)',
  p99LatencyMs: 'publish → ack p99 (ms)',
};

function figureRows(f: FaultFigures): string[] {
  const rows: string[] = [];
  for (const [key, label] of Object.entries(LABELS) as [keyof FaultFigures, string][]) {
    if (f[key] !== undefined) rows.push(`| ${label} | ${String(f[key])} |`);
  }
  if (f.recoverySeconds?.length) {
    rows.push(`| recovery per fault, s (first claim / drained) | ${f.recoverySeconds.map((r) => `${r.firstClaim} / ${r.drained}`).join('; ')} |`);
  }
  const faults = Object.entries(f.faults);
  rows.push(`| faults injected | ${faults.length ? faults.map(([k, n]) => `${k} × ${n}`).join(', ') : 'none'} |`);
  for (const [key, value] of Object.entries(f.extra ?? {})) rows.push(`| ${key} | ${String(value)} |`);
  return rows;
}

/** `T01`, or `T01 (RabbitMQ)` for a run on RabbitMQ. */
const testLabel = (report: FaultReport) => (report.driver === 'rabbitmq' ? `${report.id} (RabbitMQ)` : report.id);

function section(report: FaultReport): string {
  const missed = missedBars(report);
  return [
    `## ${testLabel(report)} ${report.title}`,
    '',
    `**What it did and the fault schedule** (${report.profile} size, ${report.durationSeconds} s): ${report.schedule}`,
    '',
    '| Figure | Value |',
    '|---|---|',
    ...figureRows(report.figures),
    '',
    `**Result: ${missed.length === 0 ? 'pass' : `FAIL (${missed.join('; ')})`}** against the acceptance bar.`,
    '',
  ].join('\n');
}

export function reliabilityDoc(reports: readonly FaultReport[], date: string): string {
  const sorted = [...reports].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }) || (a.driver === 'rabbitmq' ? 1 : 0) - (b.driver === 'rabbitmq' ? 1 : 0));
  const profiles = [...new Set(sorted.map((r) => r.profile))].join(' and ');
  return [
    '# Reliability: fault-injection results',
    '',
    `Generated ${date} by test/faults/write-reliability-doc.ts (the last step of \`npm run chaos\`) from the results of`,
    `${sorted.length} test(s) at ${profiles || 'no'} size: ${sorted.map(testLabel).join(', ') || 'none'}. Tests not listed did not run for this document.`,
    '',
    'Each test breaks something on purpose on one 2-core Linux machine, against a PostgreSQL of its own (the embedded',
    'server) or, for the runs marked RabbitMQ, a vhost of its own on a RabbitMQ server, with the workers as separate',
    'processes; every process records a Jepsen-style history (invoke, then',
    'ok / fail / info) of each publish, delivery, settle and effect, and checkers read the merged history after a drain',
    '(the harness: libs/messaging/testing/faults; the tests: test/faults).',
    '',
    '## Which tests run on which broker',
    '',
    ...BROKERS.map((line) => `- ${line}`),
    '',
    '## How the figures are counted',
    '',
    ...CHECKERS.map((line) => `- ${line}`),
    '',
    '## Acceptance bar',
    '',
    ...ACCEPTANCE_BAR.map((line) => `- ${line}`),
    '',
    '| Test | What | Size | Result |',
    '|---|---|---|---|',
    ...sorted.map((r) => `| ${testLabel(r)} | ${r.title} | ${r.profile} | ${missedBars(r).length === 0 ? 'pass' : 'FAIL'} |`),
    '',
    ...sorted.map(section),
    '## Which external effects may repeat, and why',
    '',
    ...EXTERNAL_EFFECTS.map((line) => `- ${line}`),
    '',
    '## Placeholders',
    '',
    'Tests that come with later features (nothing to run yet, so not skipped tests):',
    '',
    ...PLACEHOLDERS.map(([id, what, when]) => `- ${id} ${what}: ${when}`),
    '',
    '## What could not be tested here',
    '',
    '- **Power loss and fsync faults below the filesystem.** There is no LazyFS, no netem and no way to drop a disk',
    '  cache on this machine, so a crash here is a SIGKILL of the PostgreSQL postmaster (T05): the operating system',
    '  still holds every write the server made. We rely on PostgreSQL\'s durability settings instead and the fixture',
    '  asserts them (`fsync`, `synchronous_commit` and `full_page_writes` read `on` with SHOW) at every start.',
    '- **Multi-node replication.** One PostgreSQL runs; failover, replica lag and split brain are out of scope.',
    '',
  ].join('\n');
}

function readReports(): FaultReport[] {
  if (!existsSync(RESULTS)) return [];
  return readdirSync(RESULTS)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(join(RESULTS, name), 'utf8')) as FaultReport);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const reports = readReports();
  writeFileSync(DOC, reliabilityDoc(reports, new Date().toISOString().slice(0, 10)));
  const failed = reports.filter((r) => missedBars(r).length > 0).map((r) => r.id);
  process.stdout.write(`docs/reliability.md: ${reports.length} test(s)${failed.length ? `, failed: ${failed.join(', ')}` : ', all pass'}\n`);
}
