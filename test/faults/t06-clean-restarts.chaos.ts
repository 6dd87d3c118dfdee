import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliveryLatencies, latencySummary, sized } from '../../libs/messaging/testing/faults/index.js';
import { startEmbeddedPostgres, TsProcess, type RunningPostgres } from '../../libs/messaging/testing/index.js';
import { CONSUMER_WORKER, startConsumerWorkload, type ConsumerWorkload } from './workloads/consumer-kit.js';
import { checkConsumerRun, events, expectAcceptance, recordConsumerReport } from './workloads/consumer-figures.js';

/**
 * T06 (docs/reliability.md, River's LostNotification): PostgreSQL restarted cleanly (fast shutdown) again and again
 * under a steady publish, with consumers that rely on LISTEN and poll only rarely. One message in ten is published
 * without a NOTIFY: the broker notifies only messages visible at once, so these carry a 1 ms delay (the public API
 * has no "publish without NOTIFY"; a delayed message is what one looks like to a consumer). No consumer may stay
 * stuck after a restart, and the NOTIFY-less messages must be found (by a claim another wake-up causes, or a poll).
 */
describe('T06 repeated clean restarts of PostgreSQL with LISTEN', () => {
  const pollMs = sized(10_000, 30_000);
  const restarts = sized(3, 10);
  const everyMs = sized(5_000, 8_000);
  const silentEvery = 10;
  const dataDir = mkdtempSync(join(tmpdir(), 'pgm-t06-'));
  let postgres: RunningPostgres;
  let workload: ConsumerWorkload;
  const workers: TsProcess[] = [];

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await workload?.close();
    await postgres?.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes consuming after every restart and finds the messages that had no NOTIFY', async () => {
    const startedAt = Date.now();
    postgres = await startEmbeddedPostgres({ dataDir: join(dataDir, 'data') });
    workload = await startConsumerWorkload('t06', postgres.url, { leaseMs: 5_000, maxAttempts: 20 });
    for (const name of ['worker-1', 'worker-2']) {
      workers.push(new TsProcess(CONSUMER_WORKER, workload.workerEnv(name, { LEASE_MS: 5_000, CONCURRENCY: 4, PREFETCH: 8, HANDLER_MS: '0,10', POLL_INTERVAL_MS: pollMs })));
    }
    await Promise.all(workers.map((worker) => worker.waitForEvents('ready')));

    let stopPublishing!: () => void;
    const publishing = workload.publisher.steady(100, new Promise<void>((resolve) => (stopPublishing = resolve)), silentEvery);
    const restartedAt: number[] = [];
    const downMs: number[] = [];
    for (let i = 0; i < restarts; i++) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      const stopAt = Date.now();
      await postgres.stop();
      await postgres.start();
      restartedAt.push(Date.now());
      downMs.push(Date.now() - stopAt);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    stopPublishing();
    await publishing;
    // Last, NOTIFY-less messages alone: nothing else wakes the consumers, so only their poll can find them.
    const quietFrom = Date.now();
    for (let n = 0; n < 5; n++) await workload.publisher.publish({ silent: true });
    await workload.drain({ timeoutMs: pollMs * 3 + 60_000 });
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.exited));

    const checks = await checkConsumerRun(workload, { faults: { 'postgres-restart': restarts } });
    const deliveries = events(checks.history, 'deliver', 'ok');
    // Stall: from the server accepting connections again to the first message handled after it.
    const stalls = restartedAt.map((at) => (deliveries.find((e) => e.time >= at)?.time ?? NaN) - at);
    const silent = new Set([...workload.publisher.published].filter(([, p]) => p.silent).map(([value]) => value));
    const noisyTimes = [...workload.publisher.published.values()].filter((p) => !p.silent).map((p) => p.at);
    // A NOTIFY-less message found with no NOTIFY-ing publish between its publish and its delivery: found by a poll
    // (or the wake-up a reconnected listener gives); otherwise a claim woken by other traffic took it along.
    const firstDelivery = new Map<string, number>();
    for (const e of deliveries) if (!firstDelivery.has(e.value)) firstDelivery.set(e.value, e.time);
    const byPoll = [...silent].filter((value) => {
      const [at, deliveredAt] = [workload.publisher.published.get(value)!.at, firstDelivery.get(value)];
      return deliveredAt !== undefined && !noisyTimes.some((t) => t > at && t < deliveredAt);
    });
    const quietLatencies = deliveryLatencies(checks.history, (value) => silent.has(value) && workload.publisher.published.get(value)!.at >= quietFrom);
    const notifiedLatencies = deliveryLatencies(checks.history, (value) => !silent.has(value));
    const { p50, p99 } = latencySummary(notifiedLatencies);
    const report = recordConsumerReport({
      id: 'T06',
      title: 'Repeated clean restarts of PostgreSQL with LISTEN',
      schedule: `2 consumer processes (LISTEN, poll every ${pollMs / 1000} s), a publish every 100 ms (1 in ${silentEvery} without NOTIFY); ${restarts} fast-shutdown restarts ${everyMs / 1000} s apart; then 5 NOTIFY-less messages alone`,
      startedAt,
      checks,
      extra: {
        // Publish to delivery (a handler starting): how fast the consumers are woken.
        publishToDeliveryP50Ms: p50,
        publishToDeliveryP99Ms: p99,
        maxStallAfterRestartMs: Math.max(...stalls),
        meanStallAfterRestartMs: Math.round(stalls.reduce((a, b) => a + b, 0) / stalls.length),
        maxServerDownMs: Math.max(...downMs),
        notifiedMaxLatencyMs: Math.max(...notifiedLatencies),
        silentMessages: silent.size,
        silentFoundByOtherWakeUps: silent.size - byPoll.length,
        silentFoundByPollOrReconnect: byPoll.length,
        quietSilentMaxLatencyMs: Math.max(...quietLatencies),
        publishesUncertain: checks.queue.attempted - checks.queue.acknowledged,
      },
    });

    expectAcceptance(checks, report);
    // No consumer stayed stuck: something was handled after every restart.
    expect(stalls.filter((stall) => Number.isNaN(stall))).toEqual([]);
    expect(quietLatencies).toHaveLength(5);
    expect([...silent].filter((value) => !firstDelivery.has(value))).toEqual([]);
  });
});
