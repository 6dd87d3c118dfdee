import { sized, startFaultProxy, type FaultProxy } from '../../libs/messaging/testing/faults/index.js';
import { testDatabaseUrl, TsProcess, waitFor } from '../../libs/messaging/testing/index.js';
import { CONSUMER_WORKER, startConsumerWorkload, type ConsumerWorkload } from './workloads/consumer-kit.js';
import { checkConsumerRun, events, expectAcceptance, recordConsumerReport } from './workloads/consumer-figures.js';

/**
 * T07 (docs/reliability.md): a half-open connection. A "zombie" worker reaches PostgreSQL only through a fault
 * proxy, which is blackholed while the zombie holds messages: no FIN, no RST, nothing forwarded either way. Its
 * handlers work inside their inbox transaction (lock-for-duration: the inbox row's lock is held until COMMIT).
 * - Lease style: the zombie's messages are claimed again by a healthy worker once their lease runs out; when the
 *   network heals, the zombie's late acks and nacks are refused (fenced) and the inbox keeps the effect single.
 * - Lock style: the healthy worker's inbox insert waits on the zombie's row lock until the server ends the zombie's
 *   idle transaction (idle_in_transaction_session_timeout). TCP keepalive cannot end it here: the proxy's own kernel
 *   answers the server's keepalive probes, so only a protocol timeout sees a blackhole made in user space.
 */
describe('T07 half-open connection (blackhole)', () => {
  const leaseMs = sized(2_000, 3_000);
  const idleInTransactionMs = sized(3_000, 5_000);
  const blackholeMs = sized(10_000, 30_000);
  let workload: ConsumerWorkload;
  let proxy: FaultProxy;
  const workers: TsProcess[] = [];

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await proxy?.close();
    await workload?.close();
  });

  it('redelivers the zombie its messages after the lease, refuses its late settles, and the server frees its locks', async () => {
    const startedAt = Date.now();
    workload = await startConsumerWorkload('t07', testDatabaseUrl(), { leaseMs, maxAttempts: 20, retryBaseMs: 100 });
    const target = new URL(workload.url);
    proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const settings = { LEASE_MS: leaseMs, CONCURRENCY: 4, PREFETCH: 0, HANDLER_MS: '300,1500', WORK_IN_TRANSACTION: 1, IDLE_IN_TRANSACTION_MS: idleInTransactionMs, POLL_INTERVAL_MS: 500 };
    const zombie = new TsProcess(CONSUMER_WORKER, workload.workerEnv('zombie', { ...settings, BROKER_URL: proxy.through(workload.url), SERVICE_URL: proxy.through(workload.url) }));
    const healthy = new TsProcess(CONSUMER_WORKER, workload.workerEnv('healthy', settings));
    workers.push(zombie, healthy);
    await Promise.all(workers.map((worker) => worker.waitForEvents('ready')));

    let stopPublishing!: () => void;
    // Slow enough for the healthy worker alone to keep up, so it claims the zombie's messages as their lease ends.
    const publishing = workload.publisher.steady(250, new Promise<void>((resolve) => (stopPublishing = resolve)));
    // Blackhole while the zombie has handlers inside their transactions (two of its four, or more).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await waitFor(async () => (await sessions('zombie-service', "state = 'idle in transaction'")).length >= 2, { timeoutMs: 30_000, what: 'the zombie inside a transaction' });
    const heldAtBlackhole = new Set(zombie.named('delivered').map((e) => String(e.value)));
    proxy.blackhole();
    const blackholeAt = Date.now();
    // Once bytes already on their way have landed, nothing more reaches the server: the transactions open now stay
    // open until the server ends them.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const holding = await sessions('zombie-service', "state = 'idle in transaction'");

    // Server side: when each zombie transaction open at the blackhole is ended by the server.
    const endedAt = new Map<number, number>();
    const lockWaitSeen: number[] = [];
    while (Date.now() - blackholeAt < blackholeMs) {
      const alive = new Set((await sessions('zombie-service')).map((s) => s.pid));
      for (const { pid } of holding) if (!alive.has(pid) && !endedAt.has(pid)) endedAt.set(pid, Date.now() - blackholeAt);
      if ((await sessions('healthy-service', "wait_event_type = 'Lock'")).length > 0) lockWaitSeen.push(Date.now() - blackholeAt);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    proxy.pass();
    const healAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    stopPublishing();
    await publishing;
    await workload.drain({ timeoutMs: 120_000 });
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.exited));

    const checks = await checkConsumerRun(workload, { faults: { blackhole: 1 } });
    const { history } = checks;
    const zombieDeliveries = events(history, 'deliver', 'ok').filter((e) => e.process === 'zombie' && heldAtBlackhole.has(e.value) && e.time < blackholeAt);
    const rescued = events(history, 'deliver', 'ok').filter((e) => e.process === 'healthy' && e.time > blackholeAt && zombieDeliveries.some((z) => z.value === e.value));
    const redeliveryMs = rescued.map((e) => e.claimedAt! - Math.max(...zombieDeliveries.filter((z) => z.value === e.value).map((z) => z.leaseExpiresAt!)));
    const refusedSettles = history.filter((e) => e.process === 'zombie' && (e.f === 'ack' || e.f === 'nack') && e.type === 'fail').length;
    // The zombie's first error after the heal: when the client side learnt its transactions were gone.
    const zombieErrorAfterHeal = events(history, 'effect', 'info').find((e) => e.process === 'zombie' && e.time >= healAt);
    const detection = [...endedAt.values()];
    const report = recordConsumerReport({
      id: 'T07',
      title: 'Half-open connection (blackhole)',
      schedule: `2 consumer processes (lease ${leaseMs} ms, handlers 0.3-1.5 s inside their inbox transaction), 4 publishes/s; the zombie's connections blackholed for ${blackholeMs / 1000} s while it held transactions; idle_in_transaction_session_timeout ${idleInTransactionMs} ms on the service sessions`,
      startedAt,
      checks,
      extra: {
        zombieTransactionsAtBlackhole: holding.length,
        serverEndedTransactions: endedAt.size,
        serverDetectionMsMin: Math.min(...detection),
        serverDetectionMsMax: Math.max(...detection),
        // When the healthy worker's inbox insert was seen waiting on the zombie's row lock (sampled every 100 ms).
        healthyLockWaitFromMs: lockWaitSeen.length > 0 ? lockWaitSeen[0]! : -1,
        healthyLockWaitToMs: lockWaitSeen.length > 0 ? lockWaitSeen.at(-1)! : -1,
        redeliveredToHealthy: rescued.length,
        redeliveryAfterLeaseEndMsMax: Math.max(...redeliveryMs),
        zombieSettlesRefused: refusedSettles,
        zombieReportsDuringBlackhole: zombie.events.filter((e) => Number(e.time) >= blackholeAt && Number(e.time) < healAt).length,
        zombieFirstErrorAfterHealMs: zombieErrorAfterHeal ? zombieErrorAfterHeal.time - healAt : -1,
        tcpKeepaliveDetection: 'not exercised: the proxy kernel answers keepalive probes',
      },
    });

    expectAcceptance(checks, report);
    expect(holding.length).toBeGreaterThan(0);
    // Every transaction the zombie held was ended by the server during the blackhole (locks released)…
    expect(endedAt.size).toBe(holding.length);
    // …and the messages it held were claimed again by the healthy worker, after their lease.
    expect(rescued.length).toBeGreaterThan(0);
    expect(Math.min(...redeliveryMs)).toBeGreaterThanOrEqual(0);
    expect(refusedSettles).toBeGreaterThan(0);
  });

  async function sessions(applicationName: string, where = 'true'): Promise<{ pid: number }[]> {
    const { rows } = await workload.admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND ${where}`, [applicationName]);
    return rows;
  }
});
