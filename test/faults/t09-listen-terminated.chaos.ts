import { deliveryLatencies, latencySummary, sized } from '../../libs/messaging/testing/faults/index.js';
import { testDatabaseUrl, TsProcess, waitFor } from '../../libs/messaging/testing/index.js';
import { CONSUMER_WORKER, startConsumerWorkload, type ConsumerWorkload } from './workloads/consumer-kit.js';
import { checkConsumerRun, events, expectAcceptance, recordConsumerReport } from './workloads/consumer-figures.js';

/**
 * T09 (docs/reliability.md, as pg-boss's dbListenTest and River's ListenerReconnect): the consumers' LISTEN sessions
 * are ended with pg_terminate_backend again and again under a steady publish. Each listener reconnects; NOTIFYs sent
 * while it is away are lost, and the consumers' polling (and the wake-up a reconnect gives) must bound the latency.
 */
describe('T09 LISTEN backend terminated repeatedly', () => {
  const pollMs = sized(2_000, 5_000);
  const runMs = sized(20_000, 80_000);
  const everyMs = sized(4_000, 8_000);
  const names = ['worker-1', 'worker-2'];
  let workload: ConsumerWorkload;
  const workers: TsProcess[] = [];

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await workload?.close();
  });

  it('reconnects every listener, loses nothing, and keeps delivery latency within the poll interval', async () => {
    const startedAt = Date.now();
    workload = await startConsumerWorkload('t09', testDatabaseUrl(), { leaseMs: 10_000 });
    for (const name of names) {
      workers.push(new TsProcess(CONSUMER_WORKER, workload.workerEnv(name, { LEASE_MS: 10_000, CONCURRENCY: 4, PREFETCH: 8, HANDLER_MS: '0,5', POLL_INTERVAL_MS: pollMs })));
    }
    await Promise.all(workers.map((worker) => worker.waitForEvents('ready')));

    const listeners = async () =>
      (await workload.admin.query<{ pid: number; name: string }>(`SELECT pid, application_name AS name FROM pg_stat_activity WHERE application_name = ANY($1) AND query ILIKE 'LISTEN %'`, [names])).rows;
    const publishing = workload.publisher.steady(50, new Promise((resolve) => setTimeout(resolve, runMs)));
    const reconnectMs: number[] = [];
    let terminated = 0;
    while (Date.now() - startedAt < runMs - everyMs) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      const before = await listeners();
      const { rows } = await workload.admin.query<{ ended: boolean }>('SELECT pg_terminate_backend(pid) AS ended FROM unnest($1::int[]) AS pid', [before.map((l) => l.pid)]);
      terminated += rows.filter((row) => row.ended).length;
      const at = Date.now();
      const old = new Set(before.map((l) => l.pid));
      await waitFor(async () => (await listeners()).filter((l) => !old.has(l.pid)).length === names.length, { timeoutMs: 30_000, intervalMs: 20, what: 'every listener back' });
      reconnectMs.push(Date.now() - at);
    }
    await publishing;
    await workload.drain();
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.exited));

    const checks = await checkConsumerRun(workload, { faults: { 'pg_terminate_backend(LISTEN)': terminated } });
    const latencies = deliveryLatencies(checks.history);
    const lostReported = workers.reduce((sum, worker) => sum + worker.named('listen-lost').length, 0);
    const { p50, p99 } = latencySummary(latencies);
    const report = recordConsumerReport({
      id: 'T09',
      title: 'LISTEN backend terminated repeatedly',
      schedule: `2 consumer processes (LISTEN, poll every ${pollMs} ms), a publish every 50 ms for ${runMs / 1000} s; every ${everyMs / 1000} s both LISTEN sessions ended with pg_terminate_backend`,
      startedAt,
      checks,
      extra: {
        // Publish to delivery (a handler starting): how fast the consumers are woken.
        publishToDeliveryP50Ms: p50,
        publishToDeliveryP99Ms: p99,
        listenerLossesReported: lostReported,
        reconnectMsMax: Math.max(...reconnectMs),
        reconnectMsMean: Math.round(reconnectMs.reduce((a, b) => a + b, 0) / reconnectMs.length),
        maxPublishToDeliveryMs: Math.max(...latencies),
        pollIntervalMs: pollMs,
      },
    });

    expectAcceptance(checks, report);
    expect(terminated).toBeGreaterThan(0);
    // Every ended session was noticed by its worker and replaced (the wait above saw new LISTEN sessions each time).
    expect(lostReported).toBe(terminated);
    expect(events(checks.history, 'deliver', 'ok').length).toBeGreaterThanOrEqual(checks.queue.acknowledged);
  });
});
