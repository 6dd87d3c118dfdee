import { sized } from '../../libs/messaging/testing/faults/index.js';
import { testDatabaseUrl, TsProcess } from '../../libs/messaging/testing/index.js';
import { CONSUMER_WORKER, startConsumerWorkload, type ConsumerWorkload } from './workloads/consumer-kit.js';
import { checkConsumerRun, events, expectAcceptance, recordConsumerReport } from './workloads/consumer-figures.js';

/**
 * T10 (docs/reliability.md): rolling SIGTERMs. Workers with 0.2-3 s jobs and a 2 s shutdown grace are stopped one at
 * a time and started again, under a steady publish. After SIGTERM a worker starts no new job; jobs that finish within
 * the grace complete once; the others are aborted, released and redelivered elsewhere (the lease is 30 s: a
 * redelivery within it shows the release, not the expiry).
 */
describe('T10 graceful shutdown (SIGTERM)', () => {
  const graceMs = 2_000;
  const runMs = sized(20_000, 90_000);
  const everyMs = sized(4_000, 7_000);
  let workload: ConsumerWorkload;
  const live = new Map<string, TsProcess>();
  const all: TsProcess[] = [];

  afterAll(async () => {
    for (const worker of all) worker.kill('SIGKILL');
    await workload?.close();
  });

  it('claims nothing after SIGTERM, completes the jobs finishing within the grace once, releases and redelivers the rest', async () => {
    const startedAt = Date.now();
    workload = await startConsumerWorkload('t10', testDatabaseUrl(), { leaseMs: 30_000, maxAttempts: 20 });
    const start = async (name: string) => {
      const worker = new TsProcess(
        CONSUMER_WORKER,
        workload.workerEnv(name, { LEASE_MS: 30_000, CONCURRENCY: 4, PREFETCH: 4, HANDLER_MS: '200,3000', SHUTDOWN_GRACE_MS: graceMs, POLL_INTERVAL_MS: 500 }),
      );
      live.set(name, worker);
      all.push(worker);
      await worker.waitForEvents('ready');
    };
    const names = ['worker-1', 'worker-2', 'worker-3'];
    for (const name of names) await start(name);

    const publishing = workload.publisher.steady(200, new Promise((resolve) => setTimeout(resolve, runMs)));
    const stops: { name: string; sigtermAt: number; exitAt: number; worker: TsProcess }[] = [];
    for (let round = 0; Date.now() - startedAt < runMs - everyMs; round++) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      const name = names[round % names.length]!;
      const worker = live.get(name)!;
      worker.kill('SIGTERM');
      await worker.exited;
      const sigterm = worker.named('sigterm')[0];
      stops.push({ name, sigtermAt: Number(sigterm?.time), exitAt: Date.now(), worker });
      await start(name);
    }
    await publishing;
    await workload.drain({ timeoutMs: 120_000 });
    const finals = [...live.values()];
    for (const worker of finals) worker.kill('SIGTERM');
    await Promise.all(finals.map((worker) => worker.exited));

    const checks = await checkConsumerRun(workload, { faults: { SIGTERM: stops.length } });
    const { history } = checks;
    // Per stop: deliveries (handler starts) by that process after it took the SIGTERM, and what became of the jobs
    // running then: acked during the grace, or released.
    let claimsAfterSigterm = 0;
    let completedInGrace = 0;
    const released: string[] = [];
    for (const stop of stops) {
      const during = (e: { process: string; time: number }) => e.process === stop.name && e.time >= stop.sigtermAt && e.time <= stop.exitAt;
      claimsAfterSigterm += events(history, 'deliver', 'ok').filter(during).length;
      completedInGrace += events(history, 'ack', 'ok').filter(during).length;
      released.push(...events(history, 'nack', 'invoke').filter((e) => during(e)).map((e) => e.value));
    }
    const lastDelivery = new Map(events(history, 'deliver', 'ok').map((e) => [e.value, e]));
    const releasedRedelivered = released.filter((value) => (lastDelivery.get(value)?.attempt ?? 0) > 1);
    const shutdownMs = stops.map((stop) => stop.exitAt - stop.sigtermAt);
    const report = recordConsumerReport({
      id: 'T10',
      title: 'Graceful shutdown with SIGTERM',
      schedule: `3 consumer processes (concurrency 4, prefetch 4, jobs 0.2-3 s, grace ${graceMs} ms), one SIGTERMed and restarted every ${everyMs / 1000} s for ${runMs / 1000} s, 5 publishes/s`,
      startedAt,
      checks,
      extra: {
        claimsAfterSigterm,
        completedInGrace,
        released: released.length,
        releasedRedelivered: releasedRedelivered.length,
        maxShutdownMs: Math.max(...shutdownMs),
        meanShutdownMs: Math.round(shutdownMs.reduce((a, b) => a + b, 0) / shutdownMs.length),
      },
    });

    expectAcceptance(checks, report);
    expect(stops.length).toBeGreaterThan(0);
    expect(claimsAfterSigterm).toBe(0);
    expect(releasedRedelivered).toEqual(released);
    // Redeliveries come only from released jobs (SIGTERM is the only fault): each release is one more delivery.
    expect(checks.queue.duplicatedDeliveries).toBe(released.length);
    expect(completedInGrace + released.length).toBeGreaterThan(0);
  });
});
