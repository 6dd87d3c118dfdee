// T24 (docs/reliability.md, shorter than the plan's 30 min): steady load for minutes while workers are restarted
// the way deployments do it (SIGTERM, one at a time) and now and then killed (SIGKILL). Nothing is lost, no effect
// happens twice, a message that saw only graceful restarts completes at its first attempt, and connections, worker
// memory and dead tuples are sampled: they must stay bounded, not grow with the restarts.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { drainQueue, faultFigures, faultProfile, recordFaultReport, sized, startFaultRun, WORKLOAD, type FaultRun, type HistoryEvent } from '@app/messaging/testing/faults';

const RUN_MS = sized(40_000, 300_000);
const TERM_EVERY_MS = sized([8_000, 12_000], [30_000, 60_000]);
const KILL_EVERY_MS = sized(20_000, 120_000);
const WORKERS = 3;
const RATE_PER_S = 30;
const LEASE_MS = 4_000;
const SAMPLE_EVERY_MS = sized(5_000, 10_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = ([low, high]: number[]) => low + Math.random() * (high - low);

interface Sample {
  at: number;
  connections: number;
  workerRssMb: number;
  deadTuples: number;
  brokerMb: number;
}

function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) / 1024 : 0;
  } catch {
    return 0; // exited between listing and reading
  }
}

/** The values whose accepted ack came at an attempt > 1, split by whether a SIGKILL fell between their first claim and that ack. */
function lateAttempts(history: readonly HistoryEvent[], kills: readonly number[]) {
  const firstClaim = new Map<string, number>();
  for (const e of history) if (e.f === 'deliver' && e.type === 'ok' && !firstClaim.has(e.value)) firstClaim.set(e.value, e.time);
  const completed = history.filter((e) => e.f === 'ack' && e.type === 'ok');
  const gracefulOnly = completed.filter((a) => !kills.some((k) => k >= (firstClaim.get(a.value) ?? a.time) && k <= a.time));
  const acrossKill = completed.filter((a) => !gracefulOnly.includes(a));
  return {
    completedGracefulOnly: gracefulOnly.length,
    gracefulOnlyLate: gracefulOnly.filter((a) => (a.attempt ?? 1) > 1).map((a) => ({ value: a.value, attempt: a.attempt })),
    completedAcrossKill: acrossKill.length,
    lateAcrossKill: acrossKill.filter((a) => (a.attempt ?? 1) > 1).length,
  };
}

describe('T24 soak with churn', () => {
  let run: FaultRun;
  let stats: pg.Pool;
  afterAll(async () => {
    await stats?.end();
    await run?.close();
  });

  it('keeps every message, each effect once, first attempts through graceful restarts, and flat resources', async () => {
    const started = Date.now();
    run = await startFaultRun('t24', { driver: 'postgres' });
    stats = new pg.Pool({ connectionString: run.pg.url, max: 1 });
    stats.on('error', () => undefined);
    await run.driver.setupQueue({ name: 'soak', leaseMs: LEASE_MS, maxAttempts: 10 });
    const env = { QUEUE: 'soak', BATCH: '10', CONCURRENCY: '5', HANDLER_MIN_MS: '5', HANDLER_MAX_MS: '60', EFFECTS_SCHEMA: run.effectsSchema };
    const names = Array.from({ length: WORKERS }, (_, i) => `worker-${i + 1}`);
    await Promise.all(names.map((name) => run.sup.start(name, WORKLOAD.consumer, env).waitForEvents('ready', 1, 60_000)));
    const publisher = run.sup.start('publisher-1', WORKLOAD.publisher, { ROUTING_KEY: 'soak', COUNT: String(Math.ceil((RUN_MS / 1000) * RATE_PER_S)), INTERVAL_MS: String(Math.round(1000 / RATE_PER_S)), DURATION_MS: String(RUN_MS) });

    const samples: Sample[] = [];
    const loadStarted = Date.now();
    const sample = async () => {
      const [{ connections }] = (await stats.query<{ connections: number }>(`SELECT count(*)::int AS connections FROM pg_stat_activity WHERE datname = current_database()`)).rows;
      const [{ dead, bytes }] = (
        await stats.query<{ dead: string; bytes: string }>(
          `SELECT coalesce(sum(n_dead_tup), 0) AS dead, coalesce(sum(pg_total_relation_size(relid)), 0) AS bytes FROM pg_stat_user_tables WHERE schemaname IN ($1, $2)`,
          [run.schema, run.effectsSchema],
        )
      ).rows;
      const workerRssMb = names.filter((n) => !run.sup.hasExited(n)).reduce((sum, n) => sum + rssMb(run.sup.pid(n)), 0);
      samples.push({ at: Math.round((Date.now() - loadStarted) / 1000), connections, workerRssMb: Math.round(workerRssMb), deadTuples: Number(dead), brokerMb: Math.round(Number(bytes) / 1e5) / 10 });
    };

    const kills: number[] = [];
    const terms: { name: string; exitMs: number; code: number | null }[] = [];
    const until = Date.now() + RUN_MS;
    let nextKill = Date.now() + KILL_EVERY_MS * (0.75 + Math.random() * 0.5);
    let nextTerm = Date.now() + between(TERM_EVERY_MS);
    let nextSample = Date.now();
    let turn = 0;
    while (Date.now() < until) {
      if (Date.now() >= nextSample) {
        await sample();
        nextSample += SAMPLE_EVERY_MS;
      }
      if (Date.now() >= nextTerm) {
        // A rolling restart: the next worker in turn is asked to stop, finishes what it holds, and comes back.
        const name = names[turn++ % names.length];
        const at = Date.now();
        run.sup.terminate(name);
        const { code } = await run.sup.waitForExit(name, 30_000);
        terms.push({ name, exitMs: Date.now() - at, code });
        await (await run.sup.restart(name)).waitForEvents('ready', 1, 60_000);
        nextTerm = Date.now() + between(TERM_EVERY_MS);
      }
      if (Date.now() >= nextKill) {
        const name = names[Math.floor(Math.random() * names.length)];
        run.sup.kill(name);
        kills.push(Date.now());
        await run.sup.waitForExit(name, 30_000);
        await sleep(1_000);
        await (await run.sup.restart(name)).waitForEvents('ready', 1, 60_000);
        nextKill = Date.now() + KILL_EVERY_MS * (0.75 + Math.random() * 0.5);
      }
      await sleep(200);
    }
    await publisher.waitForEvents('done', 1, 60_000);
    await drainQueue(run.driver, 'soak', { timeoutMs: 120_000 });
    await sample();
    await run.sup.stopAll(15_000);

    const history = run.history();
    const acked = history.filter((e) => e.f === 'publish' && e.type === 'ok').map((e) => e.value);
    const late = lateAttempts(history, kills);
    // The first and the last fifth of the load, in samples.
    const loadSeconds = RUN_MS / 1000;
    const firstFifth = samples.filter((s) => s.at < loadSeconds / 5);
    const lastFifth = samples.filter((s) => s.at >= (loadSeconds * 4) / 5);
    const max = (list: Sample[], k: keyof Sample) => Math.max(...list.map((s) => s[k]));
    const { queue, leases, effects, figures } = faultFigures({
      history,
      faults: { SIGTERM: run.sup.counts.SIGTERM ?? 0, SIGKILL: run.sup.counts.SIGKILL ?? 0, restart: run.sup.counts.restart ?? 0 },
      effects: await run.effects(),
      expectedEffects: acked,
      extra: {
        completedThroughGracefulRestartsOnly: late.completedGracefulOnly,
        lateAttemptsWithoutKill: late.gracefulOnlyLate.length,
        completedAcrossKill: late.completedAcrossKill,
        lateAttemptsAcrossKill: late.lateAcrossKill,
        gracefulExitMaxMs: Math.max(...terms.map((t) => t.exitMs)),
        gracefulExitsNonZero: terms.filter((t) => t.code !== 0).length,
        connectionsFirstFifthMax: max(firstFifth, 'connections'),
        connectionsLastFifthMax: max(lastFifth, 'connections'),
        workerRssMbFirstFifthMax: max(firstFifth, 'workerRssMb'),
        workerRssMbLastFifthMax: max(lastFifth, 'workerRssMb'),
        deadTuplesMax: max(samples, 'deadTuples'),
        deadTuplesLast: samples[samples.length - 1].deadTuples,
        brokerAndEffectsMbFirst: samples[0].brokerMb,
        brokerAndEffectsMbLast: samples[samples.length - 1].brokerMb,
        samples: samples.map((s) => `${s.at}s:${s.connections}c/${s.workerRssMb}MB/${s.deadTuples}dead`).join(' '),
      },
    });
    recordFaultReport({
      id: 'T24',
      title: 'Soak with churn',
      schedule: `${WORKERS} consumer processes (batch 10, 5 handlers, 5-60 ms jobs, lease ${LEASE_MS} ms, effects through the inbox), one publisher at ${RATE_PER_S}/s for ${RUN_MS / 1000} s; every ${TERM_EVERY_MS[0] / 1000}-${TERM_EVERY_MS[1] / 1000} s the next worker in turn gets SIGTERM and is restarted when it exits; about every ${KILL_EVERY_MS / 1000} s a random worker is SIGKILLed and restarted 1 s later; connections, worker RSS and dead tuples sampled every ${SAMPLE_EVERY_MS / 1000} s; then a drain`,
      profile: faultProfile(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      figures,
    });

    expect(terms.length).toBeGreaterThan(0);
    expect(kills.length).toBeGreaterThan(0);
    expect(queue.lost).toEqual([]);
    expect(queue.unexpected).toEqual([]);
    expect(leases).toMatchObject({ overlaps: [], staleAccepted: [], redeliveredAfterAck: [] });
    expect(effects).toMatchObject({ duplicateEffects: 0, phantoms: [], missing: [] });
    // Graceful restarts cost no attempt; workers stop cleanly.
    expect(late.gracefulOnlyLate).toEqual([]);
    expect(terms.filter((t) => t.code !== 0)).toEqual([]);
    // Restarts leak no server sessions: the last fifth needs no more connections than the first (one more per worker
    // for a pool that grew late).
    expect(firstFifth.length * lastFifth.length).toBeGreaterThan(0);
    expect(max(lastFifth, 'connections')).toBeLessThanOrEqual(max(firstFifth, 'connections') + WORKERS);
  }, sized(300_000, 900_000));
});
