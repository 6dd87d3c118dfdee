import { RejectMessageError } from '../../../src/errors.js';
import { DEAD_LETTER_SUFFIX } from '../../../src/topology/queue-options.js';
import { waitFor } from '../../wait-for.js';
import { sleep, type ConformanceContext } from '../conformance-context.js';
import { CAPABILITY_NOT_SUPPORTED } from './capabilities.js';

/**
 * The contract: a pause or a resume reaches every process within a second. The cases wait longer before they
 * look (a busy machine delays a child process's wake-up), and then check what happened, not how fast.
 */
const PAUSE_SETTLES_MS = 1_500;

export function describeAdminControl(ctx: ConformanceContext): void {
  describe('operators: pause, consumer counts, activity', () => {
    it('pauses a queue for a consumer in another process (and for claim), and resumes it', async () => {
      const queue = await ctx.queue('pause');
      const worker = ctx.child('consumer', { QUEUE: queue, MODE: 'ack', CONCURRENCY: '1', PREFETCH: '0' });
      await worker.waitForEvents('ready', 1, 40_000);
      await ctx.broker.publish({ routingKey: queue, payload: 'before' });
      await worker.waitForEvents('handled', 1);

      await ctx.broker.pauseQueue(queue);
      await ctx.broker.pauseQueue(queue); // idempotent
      expect(await ctx.broker.pausedQueues()).toContain(queue);
      await sleep(PAUSE_SETTLES_MS);
      const { messageIds } = await ctx.broker.publish([1, 2, 3].map((n) => ({ routingKey: queue, payload: n })));
      await sleep(PAUSE_SETTLES_MS);
      expect(worker.named('handled')).toHaveLength(1);
      if (ctx.broker.capabilities.pull) expect(await ctx.broker.claim(queue, { limit: 3 })).toEqual([]);
      expect((await ctx.broker.queueStats(queue)).ready).toBe(3);

      await ctx.broker.resumeQueue(queue);
      expect(await ctx.broker.pausedQueues()).not.toContain(queue);
      const handled = await worker.waitForEvents('handled', 4, 20_000);
      expect(handled.slice(1).map((h) => h.messageId).sort()).toEqual([...messageIds].sort());
      await expect(ctx.broker.pauseQueue(ctx.name('missing'))).rejects.toMatchObject({ code: 'QUEUE_NOT_FOUND' });
    });

    it('counts the consumers of each queue over every process', async () => {
      const queue = await ctx.queue('counted');
      const idle = await ctx.queue('uncounted');
      const worker = ctx.child('consumer', { QUEUE: queue, MODE: 'ack' });
      await worker.waitForEvents('ready', 1, 40_000);
      await ctx.collect(queue);
      await waitFor(async () => (await ctx.broker.consumerCounts())[queue] === 2, { timeoutMs: 20_000, what: 'two consumers counted' });
      expect((await ctx.broker.consumerCounts())[idle]).toBe(0);
      worker.kill('SIGKILL');
      await worker.exited;
      // A killed process drops out on its own (RabbitMQ: its connection closes; PostgreSQL: its rows expire).
      await waitFor(async () => (await ctx.broker.consumerCounts())[queue] === 1, { timeoutMs: 30_000, what: "the killed consumer's count gone" });
    });

    it('activity: counts published, delivered, acked and dead-lettered messages per queue over every process, where the engine counts', async () => {
      if (!ctx.broker.capabilities.activityRates) {
        await expect(ctx.broker.activity(60_000)).rejects.toMatchObject({ code: CAPABILITY_NOT_SUPPORTED });
        return;
      }
      const elsewhere = await ctx.queue('activity-child');
      const here = await ctx.queue('activity-local', { maxAttempts: 1 });
      const worker = ctx.child('consumer', { QUEUE: elsewhere, MODE: 'ack' });
      await worker.waitForEvents('ready', 1, 40_000);
      await ctx.consume<number>(here, (d) => {
        if (d.payload >= 1) throw new RejectMessageError('not wanted');
      });
      await ctx.broker.publish([0, 1, 2].map((n) => ({ routingKey: here, payload: n })));
      await ctx.broker.publish([0, 1, 2, 3].map((n) => ({ routingKey: elsewhere, payload: n })));
      await worker.waitForEvents('handled', 4, 20_000);
      await waitFor(async () => (await ctx.broker.queueStats(here + DEAD_LETTER_SUFFIX)).ready === 2, { what: 'two dead letters' });

      const of = async (queue: string) => (await ctx.broker.activity(10 * 60_000)).find((a) => a.queue === queue);
      const expected = {
        [elsewhere]: { queue: elsewhere, published: 4, delivered: 4, acked: 4, deadLettered: 0 },
        [here]: { queue: here, published: 3, delivered: 3, acked: 1, deadLettered: 2 },
      };
      for (const queue of [elsewhere, here]) {
        await waitFor(async () => JSON.stringify(await of(queue)) === JSON.stringify(expected[queue]), { timeoutMs: 20_000, what: `the activity of ${queue}` });
      }
      expect(await of(elsewhere)).toEqual(expected[elsewhere]);
      expect(await of(here)).toEqual(expected[here]);
      await expect(ctx.broker.activity(0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });
}
