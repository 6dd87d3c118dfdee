// `npm run bench` (full, ~15 min) or `npm run bench -- --quick` (~1.5 min): our broker against pg-boss and
// graphile-worker on one PostgreSQL, and our broker on its RabbitMQ driver where RABBITMQ_URL is set, each case in
// fresh child processes against a freshly created schema (or freshly declared RabbitMQ queues).
// Progress goes to stderr; the tables to stdout; the figures to bench/results/latest.json. See docs/benchmarks.md.
import { baselineCase } from './cases/baseline.js';
import { drainCase } from './cases/drain.js';
import { fanOutCase } from './cases/fan-out.js';
import { latencyCase } from './cases/latency.js';
import { publishSingleCase } from './cases/publish.js';
import type { BenchContext, LibraryCase, Sample } from './context.js';
import { formatNumber, textReport } from './format.js';
import { pgbenchVersion, runPgbench } from './pgbench.js';
import { parsePlan, systemOrder, type Plan } from './plan.js';
import { AdminDb, startBenchDatabase } from './postgres.js';
import { aggregate, LATEST_RESULTS, machineInfo, packageVersion, writeResults, type BenchResults } from './results.js';
import { SCHEMAS } from './systems/index.js';
import { BENCH_QUEUES } from './systems/ours.js';
import { rabbitMqUnavailable, removeRabbitMqState } from './systems/ours-rabbitmq.js';
import type { SystemName } from './systems/system.js';

const LIBRARY_CASES: LibraryCase[] = [
  baselineCase,
  publishSingleCase,
  ...[10, 50].map((concurrency) =>
    drainCase({
      id: `drain-c${concurrency}`,
      fillKey: 'publish-batch',
      size: (plan) => (plan.drainConcurrencies.includes(concurrency) ? { messages: plan.backlog, concurrency } : null),
      repetitions: (plan) => plan.repetitions,
    }),
  ),
  // Ours with the library's default prefetch (4 × concurrency), to show what the buffer is worth.
  drainCase({
    id: 'drain-c10-default-prefetch',
    size: (plan) => ({ messages: plan.backlog, concurrency: 10 }),
    repetitions: (plan) => plan.repetitions,
    systems: ['ours'],
    localQueue: (concurrency) => concurrency,
    label: ', default prefetch (4 × concurrency)',
  }),
  latencyCase,
  fanOutCase,
  // Once per run: a 1M drain of pg-boss alone takes minutes. The PostgreSQL systems only: it asks whether throughput
  // holds as the table grows.
  drainCase({
    id: 'drain-1m',
    fillKey: 'publish-batch-1m',
    size: (plan) => plan.bigBacklog,
    repetitions: () => 1,
    systems: ['ours', 'pg-boss', 'graphile-worker'],
  }),
];

/** How each system is driven (C = the case's concurrency), written into the results. */
function configurations(plan: Plan): Record<string, string> {
  const batch = `${plan.batchSize.toLocaleString('en-US')} per call`;
  const configured: Record<SystemName, string> = {
    ours: `publish() one message, or a batch (${batch}, one statement); consume() with concurrency C, prefetch ${plan.localQueue}, maxClaimBatch 500, LISTEN/NOTIFY; pool 10`,
    'ours-rabbitmq': `the same calls through the RabbitMQ driver: publish() with publisher confirms and mandatory, one message or a batch (${batch}); consume() with concurrency C, prefetch ${plan.localQueue} (basic.qos C + ${plan.localQueue}); quorum queues on one durable topic exchange`,
    'pg-boss': `send(), or insert() (${batch}); work() with localConcurrency 1 × batchSize C, burstWhenBatchFull, pollingIntervalSeconds 0.5, useListenNotify + queue notify; pool max(10, C+2)`,
    'graphile-worker': `addJob(), or addJobs() (${batch}); run() with concurrentJobs C, localQueue.size ${plan.localQueue}, completeJobBatchDelay 0, failJobBatchDelay 0; pool max(10, C+2)`,
  };
  return Object.fromEntries(plan.systems.map((system) => [system, configured[system]]));
}

function versions(plan: Plan, pgbench: string | null): Record<string, string> {
  return {
    ours: packageVersion('package.json'),
    'pg-boss': packageVersion('node_modules/pg-boss/package.json'),
    'graphile-worker': packageVersion('node_modules/graphile-worker/package.json'),
    pg: packageVersion('node_modules/pg/package.json'),
    ...(plan.systems.includes('ours-rabbitmq') ? { amqplib: packageVersion('node_modules/amqplib/package.json') } : {}),
    ...(pgbench ? { pgbench } : {}),
  };
}

/** Leaves ours-rabbitmq out of the plan where it cannot run, saying why. */
function leaveOutUnavailable(plan: Plan): Record<string, string> {
  const reason = plan.systems.includes('ours-rabbitmq') ? rabbitMqUnavailable() : null;
  if (!reason) return {};
  plan.systems = plan.systems.filter((system) => system !== 'ours-rabbitmq');
  log(`The RabbitMQ driver does not run in this benchmark: ${reason}`);
  return { 'ours-rabbitmq': reason };
}

async function dropState(admin: AdminDb, system: SystemName): Promise<void> {
  await admin.dropSchema(SCHEMAS[system]);
  if (system === 'ours-rabbitmq') await removeRabbitMqState(SCHEMAS[system], BENCH_QUEUES);
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function selected(plan: Plan, id: string): boolean {
  return plan.cases === null || plan.cases.some((wanted) => id === wanted || id.startsWith(`${wanted}-`));
}

function describe(samples: readonly Sample[]): string {
  return samples.map((s) => `${s.key} ${formatNumber(s.value, s.unit)} ${s.unit}`).join(', ');
}

async function main(): Promise<number> {
  const plan = parsePlan(process.argv.slice(2));
  const skipped = leaveOutUnavailable(plan);
  const startedAt = new Date();
  const database = await startBenchDatabase(log);
  const admin = new AdminDb(database.url);
  const samples: Sample[] = [];
  const failures: string[] = [];
  try {
    const settings = await admin.settings();
    if (settings.fsync !== 'on' || settings.synchronous_commit !== 'on') {
      failures.push(`fsync=${settings.fsync}, synchronous_commit=${settings.synchronous_commit}: figures without durable commits are not comparable`);
    }
    const ctx: BenchContext = {
      plan,
      admin,
      record: (sample) => samples.push(sample),
      fail: (message) => {
        failures.push(message);
        log(`  FAILURE: ${message}`);
      },
      log,
      job: (system, role, params, { concurrency, install, localQueue = plan.localQueue }) => ({
        role,
        system,
        url: database.url,
        schema: SCHEMAS[system],
        concurrency,
        localQueue,
        install,
        params,
      }),
      freshSchema: (system) => admin.dropSchema(SCHEMAS[system]),
    };
    const pgbench = selected(plan, 'pgbench') ? await pgbenchVersion() : null;
    if (selected(plan, 'pgbench') && !pgbench) log('pgbench is not on PATH (or set PGBENCH): the raw ceiling is skipped');

    for (let repetition = 0; repetition < plan.repetitions; repetition++) {
      const order = systemOrder(plan, repetition);
      log(`\nRepetition ${repetition + 1} of ${plan.repetitions}: ${order.join(', ')}`);
      if (pgbench) {
        const before = samples.length;
        await runPgbench(ctx).catch((error: Error) => ctx.fail(`pgbench: ${error.message}`));
        log(`  pgbench: ${describe(samples.slice(before))}`);
      }
      for (const libraryCase of LIBRARY_CASES) {
        if (!selected(plan, libraryCase.id) || repetition >= libraryCase.repetitions(plan)) continue;
        for (const system of order.filter((name) => libraryCase.systems?.includes(name) ?? true)) {
          const before = samples.length;
          const started = performance.now();
          await libraryCase.run(ctx, system).catch((error: Error) => ctx.fail(`${libraryCase.id}, ${system}: ${error.message}`));
          const seconds = (performance.now() - started) / 1000;
          log(`  ${libraryCase.id} ${system} (${seconds.toFixed(0)} s): ${describe(samples.slice(before))}`);
        }
      }
    }
    for (const system of plan.systems) await dropState(admin, system).catch((error: Error) => log(`Could not clean up after ${system}: ${error.message}`));

    const results: BenchResults = {
      mode: plan.mode,
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      startedAt: startedAt.toISOString(),
      durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
      machine: machineInfo(),
      versions: versions(plan, pgbench),
      postgres: { source: database.source, settings },
      configurations: configurations(plan),
      cases: aggregate(samples),
      failures,
      skipped,
    };
    writeResults(results);
    process.stdout.write(`\n${textReport(results)}`);
    log(`Figures written to ${LATEST_RESULTS}`);
    return failures.length > 0 ? 1 : 0;
  } finally {
    await admin.close();
    await database.stop();
  }
}

process.exitCode = await main();
