import { faultProfile, recordFaultReport, sized, type FaultFigures, type FaultReport } from '../../libs/messaging/testing/faults/index.js';
import { testDatabaseUrl, TsProcess } from '../../libs/messaging/testing/index.js';
import { CONSUMER_WORKER, startConsumerWorkload, type ConsumerWorkload } from './workloads/consumer-kit.js';
import { checkConsumerRun, events, expectAcceptance } from './workloads/consumer-figures.js';

/**
 * T04 (docs/reliability.md): jobs 3-5 times longer than their lease. A: the handler extends its lease every lease/3
 * (control.extendLease): nothing is redelivered. B: a worker whose handler is blocked and never extends: its messages
 * are redelivered to another worker once the lease runs out (found by that worker's next poll), and the blocked
 * worker's late ack is refused (fencing), its effect skipped by the inbox.
 */
type Count = 'attempted' | 'acknowledged' | 'delivered' | 'lost' | 'unexpected' | 'duplicatedDeliveries' | 'duplicateEffects' | 'recovered' | 'leaseOverlaps' | 'staleAcksAccepted';

describe('T04 long jobs with heartbeat', () => {
  const leaseMs = sized(1_500, 3_000);
  const pollMs = 500;
  const workloads: ConsumerWorkload[] = [];
  const workers: TsProcess[] = [];
  const startedAt = Date.now();
  const parts: Partial<Record<'A' | 'B', FaultFigures>> = {};
  const schedule = `Lease ${leaseMs} ms, handlers 3-5 x lease. A: 2 workers extend every lease/3. B: a worker blocked for 3 x lease without extending, a second worker polling every ${pollMs} ms`;
  const report = (figures: FaultFigures): FaultReport => ({
    id: 'T04',
    title: 'Long jobs with heartbeat',
    schedule,
    profile: faultProfile(),
    durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    figures,
  });

  const start = (workload: ConsumerWorkload, name: string, settings: Record<string, string | number>) => {
    const worker = new TsProcess(CONSUMER_WORKER, workload.workerEnv(name, { LEASE_MS: leaseMs, POLL_INTERVAL_MS: pollMs, PREFETCH: 0, ...settings }));
    workers.push(worker);
    return worker;
  };
  const stop = async (...list: TsProcess[]) => {
    for (const worker of list) worker.kill('SIGTERM');
    await Promise.all(list.map((worker) => worker.exited));
  };

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    for (const workload of workloads) await workload.close();
    const sum = (key: Count) => (parts.A?.[key] ?? 0) + (parts.B?.[key] ?? 0);
    recordFaultReport(
      report({
        attempted: sum('attempted'),
        acknowledged: sum('acknowledged'),
        delivered: sum('delivered'),
        lost: sum('lost'),
        unexpected: sum('unexpected'),
        duplicatedDeliveries: sum('duplicatedDeliveries'),
        duplicateEffects: sum('duplicateEffects'),
        recovered: sum('recovered'),
        leaseOverlaps: sum('leaseOverlaps'),
        staleAcksAccepted: sum('staleAcksAccepted'),
        faults: { 'stopped-heartbeat': parts.B?.faults['stopped-heartbeat'] ?? 0 },
        extra: Object.fromEntries(Object.entries(parts).flatMap(([part, figures]) => Object.entries(figures.extra ?? {}).map(([key, value]) => [`${part}.${key}`, value]))),
      }),
    );
  });

  it('A: a handler that extends its lease every lease/3 keeps its message: no redelivery, every extension accepted', async () => {
    const messages = sized(4, 12);
    const workload = await startConsumerWorkload('t04a', testDatabaseUrl(), { leaseMs });
    workloads.push(workload);
    const pair = [1, 2].map((i) => start(workload, `worker-${i}`, { CONCURRENCY: 3, HEARTBEAT_MS: Math.round(leaseMs / 3), HANDLER_MS: `${3 * leaseMs},${5 * leaseMs}` }));
    await Promise.all(pair.map((worker) => worker.waitForEvents('ready')));
    for (let n = 0; n < messages; n++) await workload.publisher.publish();
    await workload.drain({ timeoutMs: 300_000 });
    await stop(...pair);

    const checks = await checkConsumerRun(workload, { faults: {} });
    const extends_ = { ok: events(checks.history, 'extend', 'ok').length, refused: events(checks.history, 'extend', 'fail').length, unknown: events(checks.history, 'extend', 'info').length };
    parts.A = { ...checks.figures, extra: { ...checks.figures.extra, extendsAccepted: extends_.ok, extendsRefused: extends_.refused } };

    expectAcceptance(checks, report(parts.A));
    expect(checks.queue.duplicatedDeliveries).toBe(0);
    expect(extends_).toEqual({ ok: expect.any(Number), refused: 0, unknown: 0 });
    // Each handler outlived its first lease at least twice over, so it extended at least 6 times (lease/3 apart).
    expect(extends_.ok).toBeGreaterThanOrEqual(messages * 6);
  });

  it('B: a blocked handler without heartbeat loses its message after the lease, and its late ack is refused', async () => {
    const messages = sized(3, 8);
    const workload = await startConsumerWorkload('t04b', testDatabaseUrl(), { leaseMs });
    workloads.push(workload);
    const blocked = start(workload, 'blocked', { CONCURRENCY: messages, HEARTBEAT_MS: 0, HANDLER_MS: `${3 * leaseMs},${3 * leaseMs}` });
    await blocked.waitForEvents('ready');
    for (let n = 0; n < messages; n++) await workload.publisher.publish();
    await blocked.waitForEvents('delivered', messages);
    const rescuer = start(workload, 'rescuer', { CONCURRENCY: 4, HEARTBEAT_MS: Math.round(leaseMs / 3), HANDLER_MS: '50,150' });
    await rescuer.waitForEvents('ready');
    await workload.drain({ timeoutMs: 120_000 });
    // The blocked handlers finish after the rescuer acked: wait for them to try their own acks.
    await blocked.waitForEvents('delivered', messages);
    await new Promise((resolve) => setTimeout(resolve, 3 * leaseMs));
    await stop(blocked, rescuer);

    const checks = await checkConsumerRun(workload, { faults: { 'stopped-heartbeat': messages } });
    const first = new Map(events(checks.history, 'deliver', 'ok').filter((e) => e.process === 'blocked').map((e) => [e.value, e]));
    const redelivered = events(checks.history, 'deliver', 'ok').filter((e) => e.process === 'rescuer');
    // Detection: from the end of the blocked worker's lease to the rescuer's claim (both server times), ms.
    const detection = redelivered.map((e) => e.claimedAt! - first.get(e.value)!.leaseExpiresAt!);
    const blockedAcks = { refused: events(checks.history, 'ack', 'fail').filter((e) => e.process === 'blocked').length, accepted: events(checks.history, 'ack', 'ok').filter((e) => e.process === 'blocked').length };
    parts.B = {
      ...checks.figures,
      extra: {
        ...checks.figures.extra,
        redeliveries: redelivered.length,
        maxMsFromLeaseEndToRedelivery: Math.max(...detection),
        maxMsFromClaimToRedelivery: Math.max(...redelivered.map((e) => e.claimedAt! - first.get(e.value)!.claimedAt!)),
      },
    };

    expectAcceptance(checks, report(parts.B));
    expect(redelivered.map((e) => [e.value, e.attempt]).sort()).toEqual([...first.keys()].map((value) => [value, 2]).sort());
    expect(blockedAcks).toEqual({ refused: messages, accepted: 0 });
    expect(checks.effects!.duplicatesDetected).toBe(messages);
    // Never before the lease ran out (that would be an overlap, which expectAcceptance also rules out).
    expect(Math.min(...detection)).toBeGreaterThanOrEqual(0);
  });
});
