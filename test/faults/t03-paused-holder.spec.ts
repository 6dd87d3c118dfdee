import { faultFigures, faultProfile, recordFaultReport, sized, startFaultRun, WORKLOAD, type FaultRun } from '@app/messaging/testing/faults';
import { describeOnFaultDrivers } from './fault-drivers.js';

// T03 on RabbitMQ (docs/reliability.md): the zombie of T03 cannot arise there, because no lease runs out: a message
// stays with the worker that took it until it settles it or its connection closes. What must hold instead: a worker
// paused (SIGSTOP) well past what would have been its lease keeps its message (no other worker gets it, nothing is
// doubled); once it is SIGKILLed, its connection closes and the message goes to another worker with attempt 2.
const ROUNDS = sized(1, 5);
const PAUSE_MS = sized(2_000, 10_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeOnFaultDrivers('T03 paused worker keeps its message until killed (no lease expiry)', ['rabbitmq'], (driver) => {
  let run: FaultRun;
  afterAll(async () => run?.close());

  it('while paused nobody else gets its message; after SIGKILL another worker completes it with attempt 2; one effect', async () => {
    const started = Date.now();
    run = await startFaultRun('t03', { driver });
    await run.setupQueue({ name: 'pay' });
    const env = { QUEUE: 'pay', BATCH: '1', CONCURRENCY: '1', EFFECTS_SCHEMA: run.effectsSchema };
    const rescuer = run.sup.start('rescuer', WORKLOAD.consumer, { ...env, HANDLER_MIN_MS: '100', HANDLER_MAX_MS: '100' });
    await rescuer.waitForEvents('ready');
    run.sup.pause('rescuer'); // so that the holder is the one to take each message
    const publisher = run.recorder('publisher-1');
    const rounds: { takenWhilePaused: number; rescuedAfterKillMs: number }[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      const holder = round === 0 ? run.sup.start('holder', WORKLOAD.consumer, { ...env, HANDLER_MIN_MS: '1000', HANDLER_MAX_MS: '1000' }) : await run.sup.restart('holder');
      await holder.waitForEvents('ready');
      const value = `publisher-1-${round}`;
      publisher.record({ type: 'invoke', f: 'publish', value });
      const [messageId] = await run.driver.publish('pay', [{ value }]);
      publisher.record({ type: 'ok', f: 'publish', value, messageId });
      await holder.waitForEvents('delivered', 1);
      run.sup.pause('holder');
      run.sup.resume('rescuer');
      await sleep(PAUSE_MS);
      const takenWhilePaused = rescuer.named('delivered').filter((e) => e.value === value).length;
      run.sup.kill('holder');
      const killedAt = Date.now();
      await rescuer.waitForEvents('acked', round + 1, 15_000);
      rounds.push({ takenWhilePaused, rescuedAfterKillMs: Date.now() - killedAt });
      run.sup.pause('rescuer');
    }
    run.sup.resume('rescuer');
    await run.sup.stopAll();

    const history = run.history();
    const values = Array.from({ length: ROUNDS }, (_, round) => `publisher-1-${round}`);
    const { queue, leases, effects, figures } = faultFigures({
      history,
      faults: { SIGSTOP: run.sup.counts.SIGSTOP ?? 0, SIGKILL: run.sup.counts.SIGKILL ?? 0 },
      effects: await run.effects(),
      expectedEffects: values,
      ends: run.sup.ends,
      extra: {
        pauseMs: PAUSE_MS,
        takenWhilePaused: rounds.reduce((n, r) => n + r.takenWhilePaused, 0),
        rescuedAfterKillMaxMs: Math.max(...rounds.map((r) => r.rescuedAfterKillMs)),
      },
    });
    recordFaultReport({
      id: 'T03',
      driver,
      title: 'Paused worker keeps its message until killed (RabbitMQ: no lease expiry)',
      schedule: `${ROUNDS} round(s): one message; the holder worker takes it (1 s job) and is SIGSTOPped for ${PAUSE_MS / 1000} s while a second worker polls the queue; then the holder is SIGKILLed and the second worker takes the message over (100 ms job, effect through the inbox, ack).`,
      profile: faultProfile(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      figures,
    });

    expect(rounds.map((r) => r.takenWhilePaused)).toEqual(values.map(() => 0));
    expect(rescuer.named('acked').map((e) => [e.value, e.attempt])).toEqual(values.map((v) => [v, 2]));
    expect(leases).toMatchObject({ overlaps: [], staleAccepted: [] });
    expect(effects).toMatchObject({ duplicateEffects: 0, missing: [], phantoms: [] });
    expect(queue).toMatchObject({ lost: [], unexpected: [] });
    expect((await run.driver.counts('pay')).dead).toBe(0); // the rescuer's ack of every value is checked above
  }, sized(60_000, 300_000));
});
