import { drainQueue, faultFigures, faultProfile, recordFaultReport, sized, startFaultRun, WORKLOAD, type FaultRun } from '@app/messaging/testing/faults';
import { describeOnFaultDrivers, onDriver, waitForAcks } from './fault-drivers.js';

// T01 (docs/reliability.md): competing consumer processes on one queue, no faults: the baseline every other test
// is compared with. Nothing may be lost, doubled, or held by two consumers at once. On both brokers (the RabbitMQ
// smoke run is smaller, for CI time).
const CONSUMERS = sized(3, 8);
const PUBLISHERS = 2;

describeOnFaultDrivers('T01 competing consumers, no faults', ['postgres', 'rabbitmq'], (driver) => {
  const MESSAGES = sized(onDriver(driver, { postgres: 2_000, rabbitmq: 300 }), 20_000);
  let run: FaultRun;
  afterAll(async () => run?.close());

  it(`${MESSAGES} messages, ${CONSUMERS} consumer processes: lost 0, duplicates 0, no lease held twice`, async () => {
    const started = Date.now();
    run = await startFaultRun('t01', { driver });
    await run.setupQueue({ name: 'work', leaseMs: 30_000, bindingPattern: 'work.#' });
    const consumers = Array.from({ length: CONSUMERS }, (_, i) =>
      run.sup.start(`consumer-${i + 1}`, WORKLOAD.consumer, { QUEUE: 'work', BATCH: '20', CONCURRENCY: '10', HANDLER_MAX_MS: '20', EFFECTS_SCHEMA: run.effectsSchema }),
    );
    await Promise.all(consumers.map((c) => c.waitForEvents('ready')));
    const load = Date.now();
    const publishers = Array.from({ length: PUBLISHERS }, (_, i) =>
      run.sup.start(`publisher-${i + 1}`, WORKLOAD.publisher, { ROUTING_KEY: 'work.jobs', COUNT: String(MESSAGES / PUBLISHERS), BATCH: '100' }),
    );
    await Promise.all(publishers.map((p) => p.waitForEvents('done', 1, 120_000)));
    // No fault: every value is acked once. RabbitMQ's counts of held messages lag, so there the acks tell.
    const drainedAt = driver === 'postgres' ? (await drainQueue(run.driver, 'work', { timeoutMs: 300_000 })).drainedAt : await waitForAcks(consumers, MESSAGES, 120_000);
    const seconds = (drainedAt - load) / 1000;
    await run.sup.stopAll(10_000);
    const stops = consumers.map((c) => c.named('stopped')[0] ?? {});

    const history = run.history();
    const effects = await run.effects();
    const acked = history.filter((e) => e.f === 'publish' && e.type === 'ok').map((e) => e.value);
    const { queue, leases, effects: effectCheck, figures } = faultFigures({
      history,
      faults: {},
      effects,
      expectedEffects: acked,
      ends: run.sup.ends,
      extra: {
        consumers: CONSUMERS,
        throughputPerSecond: Math.round(MESSAGES / seconds),
        claimP99Ms: Math.round(Math.max(...stops.map((s) => Number(s.claimP99Ms ?? NaN))) * 10) / 10,
        handledPerConsumer: consumers.map((c) => c.named('acked').length).join('/'),
      },
    });
    recordFaultReport({
      id: 'T01',
      driver,
      title: 'Competing consumers, no faults',
      schedule: `${MESSAGES} messages from ${PUBLISHERS} publisher processes (batches of 100) to ${CONSUMERS} consumer processes (claims of 20, 10 handlers each, 0-20 ms per handler, an effect per message through the inbox); no faults; then a drain.`,
      profile: faultProfile(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      figures,
    });

    expect(queue.attempted).toBe(MESSAGES);
    expect(queue.acknowledged).toBe(MESSAGES);
    expect(queue.lost).toEqual([]);
    expect(queue.unexpected).toEqual([]);
    expect(queue.duplicatedDeliveries).toBe(0);
    expect(queue.duplicated).toEqual([]);
    expect(leases.overlaps).toEqual([]);
    expect(leases.staleAccepted).toEqual([]);
    expect(effectCheck).toMatchObject({ duplicateEffects: 0, phantoms: [], missing: [] });
    expect(history.filter((e) => e.f === 'deliver').every((e) => e.attempt === 1)).toBe(true);
    expect(consumers.every((c) => c.named('acked').length > 0)).toBe(true);
  }, sized(120_000, 900_000));
});
