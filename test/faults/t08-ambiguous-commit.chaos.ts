import { sized, startFaultProxy, type FaultProxy } from '../../libs/messaging/testing/faults/index.js';
import { testDatabaseUrl, TsProcess } from '../../libs/messaging/testing/index.js';
import { CONSUMER_WORKER, startConsumerWorkload, type ConsumerWorkload } from './workloads/consumer-kit.js';
import { checkConsumerRun, events, expectAcceptance, recordConsumerReport } from './workloads/consumer-figures.js';

/**
 * T08 (docs/reliability.md): ambiguous commits on the consumer's side. Each worker reaches PostgreSQL (broker and
 * service database) through a fault proxy that forwards one commit in `every` and resets the worker's connection
 * before the answer comes back. The commits are the effect transaction's COMMIT (effect + inbox row), the fenced ack
 * and the claim (statements that commit by themselves). A cut effect COMMIT: committed, yet the handler fails and the
 * message is retried, and the inbox must skip it. A cut ack: the message is gone though the worker cannot know. A cut
 * claim: the messages stay leased to nobody until their lease ends, then are claimed again. Never lost, never two
 * effects.
 */
const ACK_OR_CLAIM = /^(DELETE FROM \S+\.messages m\s+USING unnest|WITH q AS)/;
describe('T08 ambiguous commit of the ack+effect transaction', () => {
  const messages = sized(200, 3_000);
  const every = 5;
  let workload: ConsumerWorkload;
  const proxies: FaultProxy[] = [];
  const workers: TsProcess[] = [];

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await workload?.close();
  });

  it('completes every message with exactly one effect, deduping the redeliveries that ambiguous commits cause', async () => {
    const startedAt = Date.now();
    workload = await startConsumerWorkload('t08', testDatabaseUrl(), { leaseMs: 3_000, maxAttempts: 20, retryBaseMs: 20, retryMaxMs: 200 });
    const target = new URL(workload.url);
    for (let i = 1; i <= 2; i++) {
      const proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
      proxy.cutAfterCommit({ every, statements: ACK_OR_CLAIM });
      proxies.push(proxy);
      const worker = new TsProcess(
        CONSUMER_WORKER,
        workload.workerEnv(`worker-${i}`, { BROKER_URL: proxy.through(workload.url), SERVICE_URL: proxy.through(workload.url), LEASE_MS: 3_000, CONCURRENCY: 4, PREFETCH: 8, HANDLER_MS: '0,5', POLL_INTERVAL_MS: 500 }),
      );
      workers.push(worker);
      await worker.waitForEvents('ready');
    }

    for (let n = 0; n < messages; n++) await workload.publisher.publish();
    const drainedAt = await workload.drain({ timeoutMs: 300_000 });
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.exited));

    const cut = proxies.reduce((sum, proxy) => sum + proxy.stats.commitsCut, 0);
    const cutCommitted = proxies.reduce((sum, proxy) => sum + proxy.stats.commitsCutCommitted, 0);
    const statementsCut = proxies.reduce((sum, proxy) => sum + proxy.stats.statementsCut, 0);
    const checks = await checkConsumerRun(workload, { faults: { 'ambiguous-commit': cut } });
    const report = recordConsumerReport({
      id: 'T08',
      title: 'Ambiguous commit of the consumer effect transaction',
      schedule: `${messages} messages, 2 consumer processes (concurrency 4, lease 3 s), each reaching PostgreSQL through a fault proxy that cuts one commit in ${every} (effect COMMIT, ack or claim) after forwarding it: the server commits, the client gets ECONNRESET`,
      startedAt,
      checks,
      extra: {
        ambiguousCommitsThatCommitted: cutCommitted,
        ofWhichAckOrClaim: statementsCut,
        redeliveries: events(checks.history, 'deliver', 'ok').filter((e) => (e.attempt ?? 1) > 1).length,
        drainSeconds: Math.round((drainedAt - startedAt) / 100) / 10,
      },
    });

    expectAcceptance(checks, report);
    expect(cut).toBeGreaterThan(0);
    // Every cut COMMIT the server committed left an effect or an empty skip behind: its redelivery is skipped by the inbox.
    expect(cutCommitted).toBeGreaterThan(0);
    expect(checks.effects!.duplicatesDetected).toBeGreaterThan(0);
    expect(statementsCut).toBeGreaterThan(0);
    // A cut fails one attempt, so it causes at most one more delivery.
    expect(checks.queue.duplicatedDeliveries).toBeLessThanOrEqual(cut);
  });
});
