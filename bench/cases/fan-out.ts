import { runChild } from '../child-runner.js';
import type { LibraryCase } from '../context.js';
import { FAN_OUT_METHODS } from '../systems/index.js';
import { FAN_OUT_QUEUES } from '../systems/system.js';
import { recordDrain } from './drain.js';
import { fmt, throughput } from './samples.js';

/**
 * Case 5: each message published once reaches three queues, which three consumers (one process) then drain.
 * Publishing goes through each system's routing (graphile-worker has none: it gets three jobs per message).
 */
export const fanOutCase: LibraryCase = {
  id: 'fan-out',
  repetitions: (plan) => plan.repetitions,
  async run(ctx, system) {
    const { messages: n, concurrency } = ctx.plan.fanOut;
    const { batchSize } = ctx.plan;
    await ctx.freshSchema(system);
    const fill = await runChild(ctx.job(system, 'publish-batches', { n, batchSize, fanOut: true }, { concurrency, install: true }));
    const publish = throughput('fan-out-publish', `fan-out publish: ${fmt(n)} messages, each to 3 queues`, system, fill.messages, fill.seconds, fill.cpu);
    ctx.record({ ...publish, note: FAN_OUT_METHODS[system] });
    await ctx.admin.analyze();
    const queues = [...FAN_OUT_QUEUES];
    const drain = await runChild(ctx.job(system, 'drain', { n, queues }, { concurrency, install: false }));
    recordDrain(ctx, system, 'fan-out-drain', `fan-out drain: 3 queues × ${fmt(n)}, 3 consumers at concurrency ${concurrency}`, drain, queues, 'deliveries/s');
  },
};
