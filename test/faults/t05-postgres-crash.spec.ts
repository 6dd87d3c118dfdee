import { drainQueue, faultFigures, faultProfile, firstOkAfter, recordFaultReport, sized, startFaultRun, WORKLOAD, type FaultRun, type HistoryEvent } from '@app/messaging/testing/faults';

// T05 (docs/reliability.md): PostgreSQL is SIGKILLed (no shutdown checkpoint: crash recovery at the next start)
// under steady publishing and consuming, and started again after a pause. Every publish that returned ok must
// survive and be consumed once in effect; publishes that errored are fail/info and may come back, never twice.
const CRASHES = sized(1, 3);
const RUN_MS = sized(16_000, 180_000);
const DOWN_MS = sized(3_000, 5_000);
const PUBLISHERS = 2;
const CONSUMERS = 3;

const seconds = (ms: number) => Math.round(ms / 10) / 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** restart → the first accepted ack of the values published ok before the crash, for the last of them. */
function backlogDrained(history: readonly HistoryEvent[], crashAt: number, upAt: number): number {
  const before = new Set(history.filter((e) => e.f === 'publish' && e.type === 'ok' && e.time < crashAt).map((e) => e.value));
  const firstAck = new Map<string, number>();
  for (const e of history) if (e.f === 'ack' && e.type === 'ok' && before.has(e.value) && !firstAck.has(e.value)) firstAck.set(e.value, e.time);
  return seconds(Math.max(upAt, ...firstAck.values()) - upAt);
}

describe('T05 PostgreSQL crash-restart under load', () => {
  let run: FaultRun;
  afterAll(async () => run?.close());

  it(`${CRASHES} crash(es): every ok publish survives and is consumed (lost 0), effects once, recovery measured`, async () => {
    const started = Date.now();
    run = await startFaultRun('t05', { driver: 'postgres' }); // a PostgreSQL crash: PostgreSQL only
    await run.driver.setupQueue({ name: 'orders', leaseMs: 3_000, maxAttempts: 20, retryBaseMs: 100 });
    const consumerEnv = { QUEUE: 'orders', BATCH: '10', CONCURRENCY: '5', HANDLER_MAX_MS: '10', EFFECTS_SCHEMA: run.effectsSchema };
    const consumers = Array.from({ length: CONSUMERS }, (_, i) => run.sup.start(`consumer-${i + 1}`, WORKLOAD.consumer, consumerEnv));
    await Promise.all(consumers.map((c) => c.waitForEvents('ready')));
    const publishers = Array.from({ length: PUBLISHERS }, (_, i) =>
      run.sup.start(`publisher-${i + 1}`, WORKLOAD.publisher, { ROUTING_KEY: 'orders', COUNT: '1000000', BATCH: '5', INTERVAL_MS: '40', DURATION_MS: String(RUN_MS) }),
    );
    await Promise.all(publishers.map((p) => p.waitForEvents('ready')));

    // The crashes spread over the run: each at a random moment of its slot, restarted DOWN_MS later.
    const slot = RUN_MS / CRASHES;
    const crashes: { crashAt: number; upAt: number; startMs: number }[] = [];
    for (let i = 0; i < CRASHES; i++) {
      const slotStart = started + i * slot;
      await sleep(Math.max(0, slotStart + slot * (0.3 + Math.random() * 0.3) - Date.now()));
      const crashAt = Date.now();
      await run.pg.crash();
      await sleep(DOWN_MS);
      const restartAt = Date.now();
      await run.pg.restart();
      crashes.push({ crashAt, upAt: Date.now(), startMs: Date.now() - restartAt });
    }
    await Promise.all(publishers.map((p) => p.waitForEvents('done', 1, RUN_MS + 60_000)));
    await drainQueue(run.driver, 'orders', { timeoutMs: 120_000 });
    await run.sup.stopAll(10_000);

    const history = run.history();
    const acked = history.filter((e) => e.f === 'publish' && e.type === 'ok').map((e) => e.value);
    const recovery = crashes.map((c) => ({ firstClaim: seconds((firstOkAfter(history, c.upAt, 'deliver') ?? NaN) - c.upAt), drained: backlogDrained(history, c.crashAt, c.upAt) }));
    const count = (f: string, type: string) => history.filter((e) => e.f === f && e.type === type).length;
    const { queue, leases, effects, figures } = faultFigures({
      history,
      faults: { 'postgres-crash': run.pg.crashes },
      effects: await run.effects(),
      expectedEffects: acked,
      recoverySeconds: recovery,
      extra: {
        publishFailed: count('publish', 'fail'),
        publishUnknown: count('publish', 'info'),
        acksUnknown: count('ack', 'info'),
        effectsUnknown: count('effect', 'info'),
        serverStartMsMax: Math.max(...crashes.map((c) => c.startMs)),
        downMs: DOWN_MS,
      },
    });
    recordFaultReport({
      id: 'T05',
      title: 'PostgreSQL crash-restart under load',
      schedule: `${PUBLISHERS} publishers (batches of 5 every 40 ms) and ${CONSUMERS} consumers (5 handlers, 0-10 ms, an effect per message through the inbox) for ${RUN_MS / 1000} s; ${CRASHES} SIGKILL(s) of the postmaster at a random moment, each restarted ${DOWN_MS / 1000} s later (crash recovery); then a drain. Recovery: restart → first claim; restart → every value published before the crash acked.`,
      profile: faultProfile(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      figures,
    });

    expect(run.pg.crashes).toBe(CRASHES);
    expect(queue.acknowledged).toBeGreaterThan(0);
    expect(queue.lost).toEqual([]);
    expect(queue.unexpected).toEqual([]);
    expect(leases).toMatchObject({ overlaps: [], staleAccepted: [], redeliveredAfterAck: [] });
    expect(effects).toMatchObject({ duplicateEffects: 0, phantoms: [], missing: [] });
    for (const r of recovery) expect(r.firstClaim).toBeLessThan(10);
  }, sized(120_000, 900_000));
});
