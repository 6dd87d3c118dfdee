import { waitFor } from '@app/messaging/testing';
import { drainQueue, faultFigures, faultProfile, percentile, recordFaultReport, sized, startFaultRun, WORKLOAD, type FaultRun, type HistoryEvent } from '@app/messaging/testing/faults';
import { describeOnFaultDrivers, onDriver } from './fault-drivers.js';

// T02 (docs/reliability.md): workers are SIGKILLed in the middle of their jobs and restarted 2 s later. Every
// attempt that died must come back with attempt + 1, and the inbox must keep effects to one. On PostgreSQL the
// redelivery waits for the lease to run out; on RabbitMQ (no lease expiry) it comes once the killed worker's
// connection is gone, so there it must come after the kill, and the restart waits only 0.5 s (smaller run, CI time).
const LEASE_MS = sized(2_000, 5_000);
const HANDLER_MS = sized([200, 600], [1_000, 3_000]);
const CONSUMERS = sized(3, 4);
const HANDLERS = sized(2, 4);
/** Below what the workers take even with one of them down, so a redelivery does not wait behind a backlog. */
const RATE_PER_S = sized(8, 3);

const between = ([low, high]: number[]) => low + Math.random() * (high - low);
const seconds = (ms: number) => Math.round(ms / 10) / 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deliveries whose process recorded no settle for them (it died holding them), and what came of each next. */
function diedAttempts(history: readonly HistoryEvent[]) {
  const settledTokens = new Set(history.filter((e) => (e.f === 'ack' || e.f === 'nack') && e.type === 'invoke').map((e) => e.leaseToken));
  const deliveries = history.filter((e) => e.f === 'deliver' && e.type === 'ok');
  return deliveries
    .filter((d) => !settledTokens.has(d.leaseToken))
    .map((died) => ({ died, next: deliveries.find((d) => d.deliveryId === died.deliveryId && d.claimedAt! > died.claimedAt!) }));
}

describeOnFaultDrivers('T02 worker SIGKILL mid-job', ['postgres', 'rabbitmq'], (driver) => {
  const RUN_MS = sized(onDriver(driver, { postgres: 15_000, rabbitmq: 5_000 }), 120_000);
  const KILL_EVERY_MS = sized(onDriver(driver, { postgres: [3_000, 5_000], rabbitmq: [1_500, 2_500] }), [5_000, 10_000]);
  const RESTART_AFTER_MS = onDriver(driver, { postgres: 2_000, rabbitmq: 500 });
  let run: FaultRun;
  afterAll(async () => run?.close());

  it(`every killed attempt is redelivered with attempt + 1 ${driver === 'postgres' ? 'after its lease' : 'after the kill'}; effects exactly once; lost 0`, async () => {
    const started = Date.now();
    run = await startFaultRun('t02', { driver });
    await run.setupQueue({ name: 'jobs', leaseMs: LEASE_MS, maxAttempts: 10 });
    const env = { QUEUE: 'jobs', BATCH: String(HANDLERS), CONCURRENCY: String(HANDLERS), HANDLER_MIN_MS: String(HANDLER_MS[0]), HANDLER_MAX_MS: String(HANDLER_MS[1]), EFFECTS_SCHEMA: run.effectsSchema };
    const names = Array.from({ length: CONSUMERS }, (_, i) => `consumer-${i + 1}`);
    await Promise.all(names.map((name) => run.sup.start(name, WORKLOAD.consumer, env).waitForEvents('ready')));
    const count = Math.round((RUN_MS / 1000) * RATE_PER_S);
    const publisher = run.sup.start('publisher-1', WORKLOAD.publisher, { ROUTING_KEY: 'jobs', COUNT: String(count), INTERVAL_MS: String(Math.round(1000 / RATE_PER_S)) });

    const kills: { name: string; at: number; restartedAt: number }[] = [];
    await publisher.waitForEvents('ready'); // the schedule runs from the first publish, not from the process start
    const until = Date.now() + RUN_MS;
    while (Date.now() + KILL_EVERY_MS[0] < until) {
      await sleep(between(KILL_EVERY_MS));
      // A worker in the middle of a job: one that has taken a message since its last ack.
      const busyNow = () => names.filter((n) => !run.sup.hasExited(n) && run.sup.get(n).named('delivered').length > run.sup.get(n).named('acked').length);
      const busy = await waitFor(busyNow, { timeoutMs: 2_000, intervalMs: 10, what: 'a busy worker' }).catch(() => busyNow());
      const victim = busy[Math.floor(Math.random() * busy.length)] ?? names[Math.floor(Math.random() * names.length)];
      run.sup.kill(victim);
      const at = Date.now();
      await run.sup.waitForExit(victim);
      await sleep(RESTART_AFTER_MS);
      await (await run.sup.restart(victim)).waitForEvents('ready');
      kills.push({ name: victim, at, restartedAt: Date.now() });
    }
    await publisher.waitForEvents('done', 1, RUN_MS + 60_000);
    await drainQueue(run.driver, 'jobs', { timeoutMs: 120_000 });
    await run.sup.stopAll(10_000);

    const history = run.history();
    const acked = history.filter((e) => e.f === 'publish' && e.type === 'ok').map((e) => e.value);
    const died = diedAttempts(history);
    const redeliveryMs = died.flatMap(({ died: d, next }) => (next ? [next.claimedAt! - d.claimedAt!] : []));
    const { queue, leases, effects, figures } = faultFigures({
      history,
      faults: { SIGKILL: run.sup.counts.SIGKILL ?? 0, restart: run.sup.counts.restart ?? 0 },
      effects: await run.effects(),
      expectedEffects: acked,
      ends: run.sup.ends,
      // Per kill: restart → the restarted worker's first claim; kill → the last of its dead attempts claimed again.
      recoverySeconds: kills.map((k) => {
        const firstClaim = history.find((e) => e.f === 'deliver' && e.process === k.name && e.time >= k.restartedAt)?.time ?? NaN;
        const back = died.filter(({ died: d }) => d.process === k.name && d.time < k.at).map(({ next }) => next?.claimedAt ?? NaN);
        return { firstClaim: seconds(firstClaim - k.restartedAt), drained: seconds(Math.max(k.at, ...back) - k.at) };
      }),
      extra: {
        diedAttempts: died.length,
        redeliveredWithNextAttempt: died.filter(({ died: d, next }) => next?.attempt === d.attempt! + 1).length,
        redeliveryP50Ms: Math.round(percentile(redeliveryMs, 50)),
        redeliveryMaxMs: Math.round(Math.max(...redeliveryMs)),
        leaseMs: LEASE_MS,
      },
    });
    recordFaultReport({
      id: 'T02',
      driver,
      title: 'Worker SIGKILL mid-job',
      schedule: `${CONSUMERS} consumer processes (${HANDLERS} handlers each, ${HANDLER_MS[0]}-${HANDLER_MS[1]} ms jobs, lease ${LEASE_MS} ms, an effect per job through the inbox), one publisher at ${RATE_PER_S}/s for ${RUN_MS / 1000} s; every ${KILL_EVERY_MS[0] / 1000}-${KILL_EVERY_MS[1] / 1000} s a busy worker is SIGKILLed and restarted ${RESTART_AFTER_MS / 1000} s later; then a drain.${driver === 'rabbitmq' ? ' RabbitMQ: no lease runs out; a killed worker\'s messages come back when its connection closes.' : ''}`,
      profile: faultProfile(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      figures,
    });

    expect(kills.length).toBeGreaterThan(0);
    expect(died.length).toBeGreaterThan(0); // the kills hit jobs in progress
    expect(queue.lost).toEqual([]);
    expect(queue.unexpected).toEqual([]);
    for (const { died: d, next } of died) expect({ value: d.value, nextAttempt: next?.attempt }).toEqual({ value: d.value, nextAttempt: d.attempt! + 1 });
    if (driver === 'postgres') {
      // Each redelivery waited for the lease of the killed attempt.
      expect(Math.min(...redeliveryMs)).toBeGreaterThanOrEqual(LEASE_MS - 1);
    } else {
      // Each redelivery came after its holder was killed (RabbitMQ returns a message only with its connection).
      const killedAt = (d: HistoryEvent) => kills.find((k) => k.name === d.process && k.at >= d.time)?.at ?? NaN;
      for (const { died: d, next } of died) expect({ value: d.value, afterKill: next!.claimedAt! >= killedAt(d) }).toEqual({ value: d.value, afterKill: true });
    }
    expect(leases).toMatchObject({ overlaps: [], staleAccepted: [], redeliveredAfterAck: [] });
    expect(effects).toMatchObject({ duplicateEffects: 0, phantoms: [], missing: [] });
    // Duplicates only from the kills: at most the jobs a victim held per kill.
    expect(queue.duplicatedDeliveries).toBeLessThanOrEqual(kills.length * HANDLERS);
  }, sized(150_000, 900_000));
});
