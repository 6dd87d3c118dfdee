// T23 (docs/reliability.md): workers whose clocks run 60 s ahead and 60 s behind (Debian's libfaketime, preloaded
// into their Node processes) beside one with the true time. Leases are counted by the database's now() only: no
// lease ends early, none is stretched, no two holders overlap, no stale ack is accepted.
// Two kinds of worker: the harness consumer (claim, ack through the fault driver) and an app-style worker
// (Broker.consume) whose jobs outlast the lease and keep it with control.extendLease().
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  drainQueue,
  faultFigures,
  faultProfile,
  percentile,
  recordFaultReport,
  sized,
  startFaultRun,
  WORKLOAD,
  type FaultRun,
  type HistoryEvent,
} from '@app/messaging/testing/faults';

const HEARTBEAT_WORKER = fileURLToPath(new URL('./t23-clock-skew/heartbeat-worker.ts', import.meta.url));
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const RUN_MS = sized(15_000, 90_000);
const CLAIM_LEASE_MS = 3_000;
const HEARTBEAT_LEASE_MS = 2_000;
/** Skew of each worker's clock, seconds (the name says which). */
const SKEWS: Record<string, number> = { 'claimer-ahead': 60, 'claimer-behind': -60, 'claimer-true': 0, 'heartbeat-ahead': 60, 'heartbeat-behind': -60 };
/** An extension's length is read between its request and its answer; this much on each side is rounding, not skew. */
const EXTEND_MARGIN_MS = 250;

const skewed = (seconds: number): Record<string, string> =>
  seconds === 0 ? {} : { LD_PRELOAD: LIBFAKETIME, FAKETIME: `${seconds > 0 ? '+' : ''}${seconds}s`, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
/** The history on one clock: each worker's own times moved back by the skew the test gave it (server times are untouched). */
const onServerClock = (history: HistoryEvent[]): HistoryEvent[] =>
  history.map((e) => ({ ...e, time: e.time - (SKEWS[e.process] ?? 0) * 1000 })).sort((a, b) => a.time - b.time);

describe('T23 clock skew on workers', () => {
  let run: FaultRun;
  afterAll(async () => run?.close());

  it('counts every lease by the database clock: no early expiry, no stretched lease, no overlap, no stale ack', async () => {
    // Without the library the workers would run on the true time and the test would prove nothing: say so and stop.
    if (!existsSync(LIBFAKETIME)) throw new Error(`T23 needs Debian's libfaketime at ${LIBFAKETIME}: apt-get install faketime`);
    const started = Date.now();
    run = await startFaultRun('t23', { driver: 'postgres' });
    await run.driver.setupQueue({ name: 'skew.claims', leaseMs: CLAIM_LEASE_MS, maxAttempts: 10 });
    await run.driver.setupQueue({ name: 'skew.heartbeat', leaseMs: HEARTBEAT_LEASE_MS, maxAttempts: 10 });

    const claimerEnv = { QUEUE: 'skew.claims', BATCH: '2', CONCURRENCY: '2', HANDLER_MIN_MS: '100', HANDLER_MAX_MS: '800', EFFECTS_SCHEMA: run.effectsSchema };
    const heartbeatEnv = { QUEUE: 'skew.heartbeat', LEASE_MS: String(HEARTBEAT_LEASE_MS), HANDLER_MIN_MS: '2500', HANDLER_MAX_MS: '5000', HEARTBEAT_MS: '600', CONCURRENCY: '3', EFFECTS_SCHEMA: run.effectsSchema };
    const workers = Object.keys(SKEWS).map((name) => run.sup.start(name, name.startsWith('claimer') ? WORKLOAD.consumer : HEARTBEAT_WORKER, { ...(name.startsWith('claimer') ? claimerEnv : heartbeatEnv), ...skewed(SKEWS[name]) }));
    const ready = await Promise.all(workers.map(async (w) => ({ at: Date.now(), ...(await w.waitForEvents('ready', 1, 60_000))[0] })));

    const rates = { claims: sized(4, 5), heartbeat: sized(1, 1) };
    const publishers = [
      run.sup.start('publisher-claims', WORKLOAD.publisher, { ROUTING_KEY: 'skew.claims', COUNT: String((RUN_MS / 1000) * rates.claims), INTERVAL_MS: String(1000 / rates.claims) }),
      run.sup.start('publisher-heartbeat', WORKLOAD.publisher, { ROUTING_KEY: 'skew.heartbeat', COUNT: String((RUN_MS / 1000) * rates.heartbeat), INTERVAL_MS: String(1000 / rates.heartbeat) }),
    ];
    await Promise.all(publishers.map((p) => p.waitForEvents('done', 1, RUN_MS + 60_000)));
    await drainQueue(run.driver, 'skew.claims', { timeoutMs: 60_000 });
    await drainQueue(run.driver, 'skew.heartbeat', { timeoutMs: 60_000 });
    await run.sup.stopAll(15_000);

    const raw = run.history();
    // The workers' clocks really were off: a delivery's own time against the server's claim time, median, in seconds.
    const measuredSkew = Object.fromEntries(
      Object.keys(SKEWS).map((name) => {
        const offsets = raw.filter((e) => e.process === name && e.f === 'deliver' && e.type === 'ok').map((e) => e.time - e.claimedAt!);
        return [name, Math.round(percentile(offsets, 50) / 1000)];
      }),
    );
    const history = onServerClock(raw);
    const acked = history.filter((e) => e.f === 'publish' && e.type === 'ok').map((e) => e.value);
    const redelivered = history.filter((e) => e.f === 'deliver' && e.type === 'ok' && (e.attempt ?? 1) > 1);
    const extendFails = history.filter((e) => e.f === 'extend' && e.type !== 'invoke' && e.type !== 'ok');
    // Each extension's new lease as the database set it: expiry − request time ≥ lease (not cut short), expiry − answer time ≤ lease (not stretched).
    const extendInvokes = history.filter((e) => e.f === 'extend' && e.type === 'invoke');
    const extends_ = history.filter((e) => e.f === 'extend' && e.type === 'ok').map((ok) => {
      const sent = [...extendInvokes].reverse().find((i) => i.process === ok.process && i.leaseToken === ok.leaseToken && i.time <= ok.time)?.time ?? ok.time;
      return { process: ok.process, atMost: ok.leaseExpiresAt! - sent, atLeast: ok.leaseExpiresAt! - ok.time };
    });
    const shortened = extends_.filter((e) => e.atMost < HEARTBEAT_LEASE_MS - EXTEND_MARGIN_MS);
    const stretched = extends_.filter((e) => e.atLeast > HEARTBEAT_LEASE_MS + EXTEND_MARGIN_MS);
    const perWorker = (f: string) => Object.fromEntries(Object.keys(SKEWS).map((name) => [name, history.filter((e) => e.process === name && e.f === f && e.type === 'ok').length]));

    const { queue, leases, effects, figures } = faultFigures({
      history,
      faults: { 'clock +60 s': 2, 'clock -60 s': 2 },
      effects: await run.effects(),
      expectedEffects: acked,
      extra: {
        ...Object.fromEntries(Object.entries(measuredSkew).map(([name, s]) => [`measuredSkewS.${name}`, s])),
        ...Object.fromEntries(Object.entries(perWorker('deliver')).map(([name, n]) => [`deliveries.${name}`, n])),
        redeliveries: redelivered.length,
        extensions: extends_.length,
        extensionsCutShort: shortened.length,
        extensionsStretched: stretched.length,
        extensionFailures: extendFails.length,
        extensionMinMs: Math.round(Math.min(...extends_.map((e) => e.atMost))),
        extensionMaxMs: Math.round(Math.max(...extends_.map((e) => e.atLeast))),
        readyAfterMs: Math.max(...ready.map((r) => r.at - started)),
      },
    });
    recordFaultReport({
      id: 'T23',
      title: 'Clock skew on workers',
      schedule: `libfaketime: one worker of each kind 60 s ahead, one 60 s behind, one harness consumer on the true time; harness consumers (lease ${CLAIM_LEASE_MS} ms, 100-800 ms jobs) on one queue, app-style Broker.consume workers (lease ${HEARTBEAT_LEASE_MS} ms, 2.5-5 s jobs kept alive by extendLease() every 600 ms) on another; publishers at ${rates.claims}/s and ${rates.heartbeat}/s for ${RUN_MS / 1000} s; then a drain`,
      profile: faultProfile(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      figures,
    });

    // The skew was really in place.
    expect(measuredSkew).toMatchObject({ 'claimer-ahead': 60, 'claimer-behind': -60, 'heartbeat-ahead': 60, 'heartbeat-behind': -60 });
    expect(Object.values(perWorker('deliver')).every((n) => n > 0)).toBe(true);
    expect({ lost: queue.lost, unexpected: queue.unexpected }).toEqual({ lost: [], unexpected: [] });
    expect(leases).toMatchObject({ overlaps: [], staleAccepted: [], redeliveredAfterAck: [] });
    expect(effects).toMatchObject({ duplicateEffects: 0, phantoms: [], missing: [] });
    // No lease ran out under a live worker: nothing was claimed twice, no heartbeat lost its lease.
    expect({ redelivered: redelivered.length, extendFails: extendFails.length, duplicatedDeliveries: queue.duplicatedDeliveries }).toEqual({ redelivered: 0, extendFails: 0, duplicatedDeliveries: 0 });
    expect(extends_.length).toBeGreaterThan(0);
    expect({ shortened, stretched }).toEqual({ shortened: [], stretched: [] });
  }, sized(180_000, 600_000));
});
