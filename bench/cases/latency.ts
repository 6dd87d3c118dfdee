import { setTimeout as sleep } from 'node:timers/promises';
import { report, type LatencyConsumeOutcome, type LatencyPublishOutcome, type RoleParams } from '../child-job.js';
import { BenchChild, runChild } from '../child-runner.js';
import { Countdown, waitUntilSettled } from '../completion.js';
import type { LibraryCase } from '../context.js';
import { orderPayload } from '../payload.js';
import { percentile } from '../stats.js';
import { WORK_QUEUE, type BenchSystem } from '../systems/system.js';
import { DeliveryTally, describeVerdict } from '../tally.js';
import { fmt } from './samples.js';

/** How long the consumer sits idle, waiting, before the producer starts: latency from an idle wait, not a poll loop. */
const IDLE_MS = 2_000;

/** Child role: a waiting consumer that records, per message, handler start minus the producer's send time. */
export async function consumeForLatency(system: BenchSystem, { n }: RoleParams['latency-consume']): Promise<LatencyConsumeOutcome> {
  const tally = new DeliveryTally(n);
  const latenciesMs: number[] = [];
  const handled = new Countdown(n, 60_000, 'latency consumer');
  const consumers = await system.consume([WORK_QUEUE], (payload) => {
    // CLOCK_MONOTONIC, the same clock the producer process read: the difference is meaningful across processes.
    const now = process.hrtime.bigint();
    latenciesMs.push(Number(now - BigInt(payload.sentAt!)) / 1e6);
    tally.record(payload.orderId);
    handled.tick();
  });
  report('ready');
  await handled.done;
  await waitUntilSettled(() => system.unsettled([WORK_QUEUE]));
  await consumers.stop();
  return { latenciesMs, verdict: tally.verdict(), maxRssKb: process.resourceUsage().maxRSS };
}

/** Child role: open loop at a steady rate, one publish call per message, each fired on schedule without waiting. */
export async function publishAtRate(system: BenchSystem, { rate, seconds }: RoleParams['latency-publish']): Promise<LatencyPublishOutcome> {
  const n = rate * seconds;
  const intervalMs = 1000 / rate;
  const inFlight: Promise<void>[] = [];
  let maxLagMs = 0;
  const started = performance.now();
  for (let id = 0; id < n; id++) {
    const due = started + id * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    maxLagMs = Math.max(maxLagMs, performance.now() - due);
    inFlight.push(system.publishOne({ ...orderPayload(id), sentAt: process.hrtime.bigint().toString() }));
  }
  await Promise.all(inFlight);
  return { sent: n, seconds: (performance.now() - started) / 1000, maxLagMs };
}

/** Case 3: publish → handler start at a steady rate, the consumer in a separate process, idle-waiting beforehand. */
export const latencyCase: LibraryCase = {
  id: 'latency',
  repetitions: (plan) => plan.repetitions,
  async run(ctx, system) {
    const { rate, seconds, concurrency } = ctx.plan.latency;
    const n = rate * seconds;
    await ctx.freshSchema(system);
    const consumer = new BenchChild(ctx.job(system, 'latency-consume', { n }, { concurrency, install: true }));
    try {
      await consumer.ready();
      await sleep(IDLE_MS);
      const [received, sent] = await Promise.all([
        consumer.outcome(),
        runChild(ctx.job(system, 'latency-publish', { rate, seconds }, { concurrency: 1, install: false })),
      ]);
      const problem = describeVerdict(received.verdict, `${system}, latency`);
      if (problem) return ctx.fail(problem);
      const name = `latency publish→handler, ${fmt(rate)} msg/s for ${seconds} s`;
      const extra = { sentRate: sent.sent / sent.seconds, producerMaxLagMs: sent.maxLagMs };
      for (const [label, p] of [['p50', 50], ['p95', 95], ['p99', 99], ['max', 100]] as const) {
        ctx.record({ key: `latency-${label}`, name: `${name}: ${label}`, system, unit: 'ms', better: 'lower', value: percentile(received.latenciesMs, p), extra });
      }
    } finally {
      consumer.kill();
    }
  },
};
