import type { PublishOutcome, RoleParams } from '../child-job.js';
import { runChild } from '../child-runner.js';
import type { LibraryCase } from '../context.js';
import { startCpuMeter } from '../cpu.js';
import { orderPayload, orderPayloads } from '../payload.js';
import type { BenchSystem } from '../systems/system.js';
import { fmt, throughput } from './samples.js';

/** Child role: n messages, one awaited call each, from one producer. */
export async function publishOneByOne(system: BenchSystem, { n }: RoleParams['publish-one']): Promise<PublishOutcome> {
  const cpu = startCpuMeter(system.serverPid);
  const started = performance.now();
  for (let id = 0; id < n; id++) await system.publishOne(orderPayload(id));
  return { messages: n, seconds: (performance.now() - started) / 1000, cpu: cpu() };
}

/** Child role: n messages in sequential calls of the batch API (or the fan-out publish), one producer. */
export async function publishInBatches(system: BenchSystem, { n, batchSize, fanOut }: RoleParams['publish-batches']): Promise<PublishOutcome> {
  const cpu = startCpuMeter(system.serverPid);
  const started = performance.now();
  for (let from = 0; from < n; from += batchSize) {
    const payloads = orderPayloads(from, Math.min(batchSize, n - from));
    await (fanOut ? system.publishFanOut(payloads) : system.publishBatch(payloads));
  }
  return { messages: n, seconds: (performance.now() - started) / 1000, cpu: cpu() };
}

/** Case 1a: one message per awaited publish call. (Case 1b, batches of 1,000, is timed as the fill of every drain.) */
export const publishSingleCase: LibraryCase = {
  id: 'publish-single',
  repetitions: (plan) => plan.repetitions,
  async run(ctx, system) {
    const n = ctx.plan.publishSingle;
    await ctx.freshSchema(system);
    const outcome = await runChild(ctx.job(system, 'publish-one', { n }, { concurrency: 1, install: true }));
    ctx.record(throughput('publish-single', `publish: 1 message per awaited call (${fmt(n)})`, system, outcome.messages, outcome.seconds, outcome.cpu));
  },
};
