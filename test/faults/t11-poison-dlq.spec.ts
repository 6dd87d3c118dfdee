import { waitFor } from '@app/messaging/testing';
import {
  checkDeadLetters,
  drainQueue,
  faultFigures,
  faultProfile,
  fateOf,
  percentile,
  recordFaultReport,
  sized,
  startFaultRun,
  WORKLOAD,
  type FaultRun,
} from '@app/messaging/testing/faults';
import { describeOnFaultDrivers, onDriver } from './fault-drivers.js';

// T11 (docs/reliability.md): values with fates by n mod 8: poison (the handler always throws),
// crasher (the handler calls process.exit(1); the supervisor restarts the worker), flaky (fails its first attempt),
// normal. With maxAttempts 3 each poison and crasher value must be dead-lettered exactly once after exactly 3 claims,
// flaky and normal values must complete and never be dead-lettered, and each dead letter must raise an alert.
// On RabbitMQ a crasher's message comes back when its worker's connection closes (RabbitMQ counts the return as an
// attempt), and its claim after the last attempt dead-letters it.
const MAX_ATTEMPTS = 3;
const CONSUMERS = sized(3, 4);

describeOnFaultDrivers('T11 poison messages to the dead-letter queue', ['postgres', 'rabbitmq'], (driver) => {
  const VALUES = sized(onDriver(driver, { postgres: 24, rabbitmq: 8 }), 80);
  let run: FaultRun;
  afterAll(async () => run?.close());

  it('poison and crasher values dead-lettered once after maxAttempts claims, flaky and normal completed, alerts raised', async () => {
    const started = Date.now();
    run = await startFaultRun('t11', { driver });
    await run.setupQueue({ name: 'mail', leaseMs: 1_000, maxAttempts: MAX_ATTEMPTS, retryBaseMs: 50 });
    const alerts = await run.driver.watchDeadLetterAlerts();
    // One message at a time per worker: a crasher then takes no other message down with it.
    const env = { QUEUE: 'mail', BATCH: '1', CONCURRENCY: '1', FATES: 'on', HANDLER_MAX_MS: '20', EFFECTS_SCHEMA: run.effectsSchema };
    const names = Array.from({ length: CONSUMERS }, (_, i) => `consumer-${i + 1}`);
    await Promise.all(names.map((name) => run.sup.start(name, WORKLOAD.consumer, env, { restartOnExit: true }).waitForEvents('ready')));
    const publisher = run.sup.start('publisher-1', WORKLOAD.publisher, { ROUTING_KEY: 'mail', COUNT: String(VALUES), BATCH: '8' });
    await publisher.waitForEvents('done');

    const bad = Array.from({ length: VALUES }, (_, n) => `publisher-1-${n}`).filter((v) => ['poison', 'crasher'].includes(fateOf(v)));
    if (driver === 'postgres') await drainQueue(run.driver, 'mail', { timeoutMs: sized(90_000, 300_000), consecutiveEmpty: 10 });
    else {
      // RabbitMQ's counts of held messages lag by its statistics interval: the known end (an effect per good value,
      // a dead letter per bad one) tells sooner; the checkers below still find anything lost or doubled.
      const done = async () => (await run.effects()).length >= VALUES - bad.length && (await run.driver.deadLettered('mail')).length >= bad.length;
      await waitFor(done, { timeoutMs: sized(90_000, 300_000), intervalMs: 250, what: 'every value completed or dead-lettered' });
    }
    const deadLettered = await run.driver.deadLettered('mail');
    const alertWait = Date.now() + 10_000;
    while (alerts.seen().length < deadLettered.length && Date.now() < alertWait) await new Promise((resolve) => setTimeout(resolve, 100));
    await alerts.stop();
    await run.sup.stopAll();

    const history = run.history();
    const dlq = checkDeadLetters(history, deadLettered, fateOf, { maxAttempts: MAX_ATTEMPTS });
    const idsByValue = new Map(history.filter((e) => e.f === 'publish' && e.type === 'ok').map((e) => [e.value, e.messageId!]));
    const deadIds = deadLettered.map((v) => idsByValue.get(v));
    const claims = new Map<string, number>();
    for (const e of history) if (e.f === 'deliver' && e.type === 'ok') claims.set(e.value, (claims.get(e.value) ?? 0) + 1);
    const claimsByFate = (fate: string) => [...claims].filter(([v]) => fateOf(v) === fate).map(([, n]) => n);
    // Alert latency: from the last claim of a dead value (its death comes at its nack, or at the claim after its lease ran out).
    const lastClaim = new Map<string, number>();
    for (const e of history) if (e.f === 'deliver' && e.type === 'ok') lastClaim.set(e.messageId!, e.time);
    const alertLatency = alerts.seenAt().map((a) => a.at - (lastClaim.get(a.messageId) ?? NaN)).filter((n) => !Number.isNaN(n));
    const { queue, leases, effects, figures } = faultFigures({
      history,
      faults: { 'crasher-exit': run.sup.counts.exit ?? 0, restart: run.sup.counts.restart ?? 0 },
      effects: await run.effects(),
      expectedEffects: [...idsByValue.keys()].filter((v) => !bad.includes(v)),
      deadLettered,
      ends: run.sup.ends,
      extra: {
        deadPoison: dlq.byFate.poison.deadLettered,
        deadCrasher: dlq.byFate.crasher.deadLettered,
        completedFlaky: dlq.byFate.flaky.completed,
        completedNormal: dlq.byFate.normal.completed,
        claimsPerPoison: [...new Set(claimsByFate('poison'))].join('/'),
        claimsPerCrasher: [...new Set(claimsByFate('crasher'))].join('/'),
        claimsPerFlaky: [...new Set(claimsByFate('flaky'))].join('/'),
        alertsRaised: alerts.seen().length,
        alertLatencyP50Ms: Math.round(percentile(alertLatency, 50)),
        alertLatencyMaxMs: Math.round(Math.max(...alertLatency)),
      },
    });
    recordFaultReport({
      id: 'T11',
      driver,
      title: 'Poison messages to the dead-letter queue',
      schedule: `${VALUES} values, fate by n mod 8 (0 poison, 1 crasher, 2 flaky, else normal), maxAttempts ${MAX_ATTEMPTS}, lease 1 s, ${CONSUMERS} workers taking one message at a time and restarted by the supervisor when a crasher kills them; the dead-letter alerter runs in the test; then a drain.`,
      profile: faultProfile(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      figures,
    });

    expect(dlq).toMatchObject({ both: [], neither: [], normalDead: [], poisonCompleted: [], duplicates: [], unknown: [], wrongAttempts: [] });
    expect(dlq.valid).toBe(true);
    expect([...deadLettered].sort()).toEqual([...bad].sort());
    expect(dlq.byFate.flaky.completed).toBe(dlq.byFate.flaky.acknowledged);
    expect(claimsByFate('flaky').every((n) => n === 2)).toBe(true);
    expect(run.sup.counts.exit).toBe(dlq.byFate.crasher.deadLettered * MAX_ATTEMPTS);
    expect([...alerts.seen()].sort()).toEqual([...deadIds].sort());
    expect(queue).toMatchObject({ lost: [], unexpected: [] });
    expect(leases).toMatchObject({ overlaps: [], staleAccepted: [] });
    expect(effects).toMatchObject({ duplicateEffects: 0, phantoms: [], missing: [] });
  }, sized(150_000, 600_000));
});
