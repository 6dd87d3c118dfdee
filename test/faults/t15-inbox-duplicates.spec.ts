import { waitFor } from '@app/messaging/testing';
import { drainQueue, faultFigures, faultProfile, recordFaultReport, sized, startFaultRun, WORKLOAD, type FaultRun } from '@app/messaging/testing/faults';
import { describeOnFaultDrivers, onDriver, waitForAcks } from './fault-drivers.js';

// T15 (docs/reliability.md): the same message id delivered three times at once to three consumer processes (three
// copies published straight into the queue, bypassing SKIP LOCKED's one-holder rule), and once more later. The
// inbox must let exactly one effect through per message id; the other copies are acked as duplicates. On both
// brokers (RabbitMQ has no one-holder rule to bypass: three copies are three messages there too).
const COPIES = 3;
const HANDLER_MS = 300;

describeOnFaultDrivers('T15 inbox under forced duplicates', ['postgres', 'rabbitmq'], (driver) => {
  const VALUES = sized(onDriver(driver, { postgres: 10, rabbitmq: 4 }), 50);
  const LATE_AFTER_MS = sized(onDriver(driver, { postgres: 2_000, rabbitmq: 1_000 }), 60_000);
  let run: FaultRun;
  afterAll(async () => run?.close());

  it('three concurrent copies and a late one of each message id: exactly one effect each', async () => {
    const started = Date.now();
    run = await startFaultRun('t15', { driver });
    await run.setupQueue({ name: 'charges', leaseMs: 10_000 });
    const env = { QUEUE: 'charges', BATCH: '1', CONCURRENCY: '1', HANDLER_MIN_MS: String(HANDLER_MS), HANDLER_MAX_MS: String(HANDLER_MS), EFFECTS_SCHEMA: run.effectsSchema };
    const consumers = Array.from({ length: COPIES }, (_, i) => run.sup.start(`consumer-${i + 1}`, WORKLOAD.consumer, env));
    await Promise.all(consumers.map((c) => c.waitForEvents('ready')));
    const injector = run.recorder('injector');
    const values = Array.from({ length: VALUES }, (_, n) => `injector-${n}`);
    const inject = async (value: string, copies: number) => {
      injector.record({ type: 'invoke', f: 'publish', value });
      await run.driver.publishToQueue('charges', Array.from({ length: copies }, () => ({ value, messageId: `id-${value}` })));
      injector.record({ type: 'ok', f: 'publish', value, messageId: `id-${value}` });
    };

    // One message id at a time, so that the three idle consumers take its three copies together.
    for (const [i, value] of values.entries()) {
      await inject(value, COPIES);
      await waitFor(async () => (await run.effects()).length > i, { what: `the effect of ${value}` });
      // All copies settled before the next id. RabbitMQ's count of held messages lags (rabbitmqctl): the acks tell.
      if (driver === 'postgres') await drainQueue(run.driver, 'charges', { consecutiveEmpty: 1, intervalMs: 50 });
      else await waitForAcks(consumers, (i + 1) * COPIES, 15_000);
    }
    await new Promise((resolve) => setTimeout(resolve, LATE_AFTER_MS));
    for (const value of values) await inject(value, 1);
    if (driver === 'postgres') await drainQueue(run.driver, 'charges');
    else await waitForAcks(consumers, VALUES * (COPIES + 1), 30_000);
    await run.sup.stopAll();

    const history = run.history();
    const deliveries = history.filter((e) => e.f === 'deliver' && e.type === 'ok');
    // Copies in flight together: their claims came within one handler time of each other.
    const concurrent = values.filter((v) => {
      const times = deliveries.filter((d) => d.value === v).slice(0, COPIES).map((d) => d.claimedAt!);
      return new Set(deliveries.filter((d) => d.value === v).slice(0, COPIES).map((d) => d.process)).size === COPIES && Math.max(...times) - Math.min(...times) < HANDLER_MS;
    });
    const effectRows = await run.effects();
    const { queue, leases, effects, figures } = faultFigures({
      history,
      faults: { forcedCopies: VALUES * COPIES, lateCopies: VALUES },
      effects: effectRows,
      expectedEffects: values,
      ends: run.sup.ends,
      extra: { concurrentTriples: concurrent.length, lateAfterMs: LATE_AFTER_MS, effectsPerMessageMax: Math.max(...countBy(effectRows.map((e) => e.value)).values()) },
    });
    recordFaultReport({
      id: 'T15',
      driver,
      title: 'Inbox under forced duplicates',
      schedule: `${VALUES} message ids, each published straight into the queue as ${COPIES} copies with the same id and taken together by ${COPIES} consumer processes (one at a time each, ${HANDLER_MS} ms job, effect through the inbox); ${LATE_AFTER_MS / 1000} s after the last, one more copy of every id (the inbox keeps ids 7 days).`,
      profile: faultProfile(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      figures,
    });

    expect(effects).toMatchObject({ effects: VALUES, duplicateEffects: 0, phantoms: [], missing: [], duplicatesDetected: VALUES * COPIES });
    expect(concurrent.length).toBeGreaterThan(0);
    expect(deliveries).toHaveLength(VALUES * (COPIES + 1));
    // Every copy was acked (the duplicates as handled), none left behind.
    expect(history.filter((e) => e.f === 'ack' && e.type === 'ok')).toHaveLength(VALUES * (COPIES + 1));
    expect(queue).toMatchObject({ lost: [], unexpected: [] });
    expect(leases).toMatchObject({ overlaps: [], staleAccepted: [], redeliveredAfterAck: [] });
  }, sized(90_000, 600_000));
});

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
