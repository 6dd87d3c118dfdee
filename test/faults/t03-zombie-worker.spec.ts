import { drainQueue, faultFigures, faultProfile, recordFaultReport, sized, startFaultRun, WORKLOAD, type FaultRun } from '@app/messaging/testing/faults';
import { describeOnFaultDrivers } from './fault-drivers.js';

// T03 (docs/reliability.md): a worker takes a message, is paused (SIGSTOP) for twice its lease while
// another worker takes the message over and completes it, then resumes (SIGCONT) and acts as if it still held it.
// Fencing must refuse its ack, and the inbox its effect. PostgreSQL only: on RabbitMQ no lease runs out, so nobody
// takes a paused worker's message over (t03-paused-holder.spec.ts tests what holds there instead).
const LEASE_MS = sized(1_500, 2_000);
const ROUNDS = sized(2, 5);
const ZOMBIE_JOB_MS = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeOnFaultDrivers('T03 zombie worker (paused past its lease)', ['postgres'], () => {
  let run: FaultRun;
  afterAll(async () => run?.close());

  it("the zombie's ack is refused (stale acks accepted 0) and its effect skipped: one effect per message", async () => {
    const started = Date.now();
    run = await startFaultRun('t03', { driver: 'postgres' });
    await run.driver.setupQueue({ name: 'pay', leaseMs: LEASE_MS });
    const env = { QUEUE: 'pay', BATCH: '1', CONCURRENCY: '1', EFFECTS_SCHEMA: run.effectsSchema };
    // The zombie's job is long enough that it is surely paused before it ends, even on a busy machine.
    const zombie = run.sup.start('zombie', WORKLOAD.consumer, { ...env, HANDLER_MIN_MS: String(ZOMBIE_JOB_MS), HANDLER_MAX_MS: String(ZOMBIE_JOB_MS) });
    const rescuer = run.sup.start('rescuer', WORKLOAD.consumer, { ...env, HANDLER_MIN_MS: '300', HANDLER_MAX_MS: '300' });
    await Promise.all([zombie.waitForEvents('ready'), rescuer.waitForEvents('ready')]);
    run.sup.pause('rescuer'); // so that the zombie is the one to take each message first
    const publisher = run.recorder('publisher-1');
    const pauses: { pausedMs: number; takenOverAfterMs: number }[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      const value = `publisher-1-${round}`;
      publisher.record({ type: 'invoke', f: 'publish', value });
      const [messageId] = await run.driver.publish('pay', [{ value }]);
      publisher.record({ type: 'ok', f: 'publish', value, messageId });

      await zombie.waitForEvents('delivered', round + 1);
      run.sup.pause('zombie');
      const pausedAt = Date.now();
      run.sup.resume('rescuer');
      await rescuer.waitForEvents('acked', round + 1, LEASE_MS * 4);
      const takenOverAfterMs = Date.now() - pausedAt;
      run.sup.pause('rescuer');
      await sleep(Math.max(0, 2 * LEASE_MS - (Date.now() - pausedAt)));
      run.sup.resume('zombie');
      pauses.push({ pausedMs: Date.now() - pausedAt, takenOverAfterMs });
      await zombie.waitForEvents('ack-refused', round + 1, 10_000).catch(() => undefined); // a wrongly accepted ack fails below
    }
    run.sup.resume('rescuer');
    await drainQueue(run.driver, 'pay');
    await run.sup.stopAll();

    const history = run.history();
    const effects = await run.effects();
    const values = Array.from({ length: ROUNDS }, (_, round) => `publisher-1-${round}`);
    const { queue, leases, effects: effectCheck, figures } = faultFigures({
      history,
      faults: { SIGSTOP: run.sup.counts.SIGSTOP ?? 0, SIGCONT: run.sup.counts.SIGCONT ?? 0, zombiePauses: ROUNDS },
      effects,
      expectedEffects: values,
      extra: {
        zombieAcksRefused: zombie.named('ack-refused').length,
        zombieAcksAccepted: zombie.named('acked').length,
        zombieEffectsSkippedByInbox: history.filter((e) => e.process === 'zombie' && e.f === 'effect' && e.type === 'fail').length,
        maxPauseMs: Math.max(...pauses.map((p) => p.pausedMs)),
        takeOverP50Ms: [...pauses.map((p) => p.takenOverAfterMs)].sort((a, b) => a - b)[Math.floor(pauses.length / 2)],
        leaseMs: LEASE_MS,
      },
    });
    recordFaultReport({
      id: 'T03',
      title: 'Zombie worker (paused past its lease)',
      schedule: `${ROUNDS} rounds: one message; the zombie worker claims it (lease ${LEASE_MS} ms, ${ZOMBIE_JOB_MS} ms job) and is SIGSTOPped; a second worker takes it over after the lease and completes it (300 ms job, effect through the inbox, ack); the zombie is SIGCONTed after 2 x lease and finishes its job (effect, ack).`,
      profile: faultProfile(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      figures,
    });

    expect(zombie.named('ack-refused').map((e) => e.value)).toEqual(values);
    expect(zombie.named('acked')).toEqual([]);
    expect(rescuer.named('acked').map((e) => [e.value, e.attempt])).toEqual(values.map((v) => [v, 2]));
    expect(leases.staleAccepted).toEqual([]);
    expect(leases.refused).toBe(ROUNDS);
    expect(leases.overlaps).toEqual([]);
    expect(effectCheck).toMatchObject({ duplicateEffects: 0, missing: [], phantoms: [], duplicatesDetected: ROUNDS });
    expect(effects.map((e) => [e.value, e.process])).toEqual(values.map((v) => [v, 'rescuer']));
    expect(queue).toMatchObject({ lost: [], unexpected: [], duplicated: [] });
    expect(await run.driver.counts('pay')).toEqual({ ready: 0, leased: 0, dead: 0 });
  }, sized(60_000, 300_000));
});
