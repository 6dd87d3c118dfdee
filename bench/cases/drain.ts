import type { DrainOutcome, RoleParams } from '../child-job.js';
import { runChild } from '../child-runner.js';
import { Countdown, waitUntilSettled } from '../completion.js';
import type { BenchContext, LibraryCase, Sample } from '../context.js';
import { startCpuMeter } from '../cpu.js';
import type { Plan } from '../plan.js';
import { WORK_QUEUE, type BenchSystem, type SystemName } from '../systems/system.js';
import { DeliveryTally, describeVerdict } from '../tally.js';
import { fmt, peakRss, throughput } from './samples.js';

/** How long a drain may make no progress before it fails as stuck. */
const STALL_MS = 30_000;

/**
 * Child role: starts the consumers (one per queue) on a backlog of n messages per queue and times them from start
 * until every message is settled in the broker. Counts handler calls per message id on the way.
 */
export async function drainBacklog(system: BenchSystem, { n, queues }: RoleParams['drain']): Promise<DrainOutcome> {
  const tallies = new Map(queues.map((queue) => [queue, new DeliveryTally(n)]));
  const handled = new Countdown(n * queues.length, STALL_MS, 'handler calls');
  const cpu = startCpuMeter(system.serverPid);
  const started = performance.now();
  const consumers = await system.consume(queues, (payload, queue) => {
    tallies.get(queue)!.record(payload.orderId);
    handled.tick();
  });
  try {
    await handled.done;
  } catch (error) {
    const found = [...tallies].map(([queue, tally]) => describeVerdict(tally.verdict(), queue)).filter(Boolean);
    throw new Error(`${(error as Error).message}${found.length ? `; ${found.join('; ')}` : ''}`);
  }
  const handlerSeconds = (performance.now() - started) / 1000;
  await waitUntilSettled(() => system.unsettled(queues), STALL_MS);
  const seconds = (performance.now() - started) / 1000;
  const cpuUse = cpu();
  await consumers.stop();
  return {
    deliveries: n * queues.length,
    seconds,
    handlerSeconds,
    maxRssKb: process.resourceUsage().maxRSS,
    cpu: cpuUse,
    verdicts: [...tallies.values()].map((tally) => tally.verdict()),
  };
}

/** Records a drain's figures, or fails the run when a message was handled twice or never. */
export function recordDrain(ctx: BenchContext, system: SystemName, key: string, name: string, outcome: DrainOutcome, queues: readonly string[], unit = 'msg/s'): void {
  const problems = outcome.verdicts.map((verdict, i) => describeVerdict(verdict, `${system}, ${name}, queue ${queues[i]}`)).filter((p) => p !== null);
  if (problems.length > 0) {
    ctx.fail(problems.join('\n'));
    return;
  }
  const sample: Sample = throughput(key, name, system, outcome.deliveries, outcome.seconds, outcome.cpu, unit);
  sample.extra = { ...sample.extra, handlerRate: outcome.deliveries / outcome.handlerSeconds };
  ctx.record(sample);
  ctx.record(peakRss(key, name, system, outcome.maxRssKb));
}

export interface DrainCaseSpec {
  id: string;
  /** The key its fill is recorded under as a batch-publish figure; not recorded when absent. */
  fillKey?: string;
  /** Backlog and concurrency in a plan; null: not in this plan. */
  size(plan: Plan): { messages: number; concurrency: number } | null;
  repetitions(plan: Plan): number;
  /** Only these systems (default: all). */
  systems?: SystemName[];
  /** Messages buffered ahead of free handler slots, instead of the plan's localQueue. */
  localQueue?(concurrency: number): number;
  /** Appended to the figure's name. */
  label?: string;
}

/**
 * Cases 1b, 2 and 4: fill a backlog with the batch API in one process (timed: that is the batch publish figure),
 * ANALYZE, then drain it with a no-op handler in another, fresh process.
 */
export function drainCase(spec: DrainCaseSpec): LibraryCase {
  return {
    id: spec.id,
    repetitions: (plan) => (spec.size(plan) ? spec.repetitions(plan) : 0),
    systems: spec.systems,
    async run(ctx, system) {
      const { messages: n, concurrency } = spec.size(ctx.plan)!;
      const { batchSize } = ctx.plan;
      const localQueue = spec.localQueue?.(concurrency);
      await ctx.freshSchema(system);
      const fill = await runChild(ctx.job(system, 'publish-batches', { n, batchSize, fanOut: false }, { concurrency, install: true }));
      if (spec.fillKey) {
        ctx.record(throughput(spec.fillKey, `publish: batches of ${fmt(batchSize)} (${fmt(n)} messages)`, system, fill.messages, fill.seconds, fill.cpu));
      }
      await ctx.admin.analyze();
      const drain = await runChild(ctx.job(system, 'drain', { n, queues: [WORK_QUEUE] }, { concurrency, install: false, localQueue }));
      recordDrain(ctx, system, spec.id, `drain ${fmt(n)} backlog, concurrency ${concurrency}${spec.label ?? ''}`, drain, [WORK_QUEUE]);
    },
  };
}
