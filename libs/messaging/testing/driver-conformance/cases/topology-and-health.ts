import type { HandledMessage } from '../../../src/driver/broker-types.js';
import { QueueInUseError, QueueNotFoundError, QueueOptionsConflictError, RejectMessageError } from '../../../src/errors.js';
import { DEAD_LETTER_SUFFIX } from '../../../src/topology/queue-options.js';
import { waitFor } from '../../wait-for.js';
import { sleep, type ConformanceContext } from '../conformance-context.js';

export function describeTopologyAndHealth(ctx: ConformanceContext): void {
  describe('topology and health', () => {
    it('declares a queue with its dead-letter queue, idempotently for the same options, and refuses different ones', async () => {
      const queue = ctx.name('declare');
      const info = await ctx.broker.declareQueue(queue, { maxAttempts: 4, leaseMs: 10_000 });
      expect(info).toMatchObject({ name: queue, options: { maxAttempts: 4, leaseMs: 10_000, deadLetterQueue: queue + DEAD_LETTER_SUFFIX } });
      expect((await ctx.broker.declareQueue(queue, { maxAttempts: 4, leaseMs: 10_000 })).options).toEqual(info.options);
      await expect(ctx.broker.declareQueue(queue, { maxAttempts: 9 })).rejects.toBeInstanceOf(QueueOptionsConflictError);
      expect((await ctx.broker.getQueue(queue)).options).toEqual(info.options);
      expect((await ctx.broker.listQueues()).map((q) => q.name)).toEqual(expect.arrayContaining([queue, queue + DEAD_LETTER_SUFFIX]));
      await expect(ctx.broker.getQueue(ctx.name('never-declared'))).rejects.toBeInstanceOf(QueueNotFoundError);
    });

    it('binds idempotently, unbinds (saying whether the binding existed), and routes by the bindings left', async () => {
      const queue = await ctx.queue('bindings', {}, 'bind.a');
      await ctx.broker.bindQueue(queue, 'bind.a');
      await ctx.broker.bindQueue(queue, 'bind.b');
      expect([...(await ctx.broker.getQueue(queue)).bindings].sort()).toEqual(['bind.a', 'bind.b']);
      expect(await ctx.broker.unbindQueue(queue, 'bind.a')).toBe(true);
      expect(await ctx.broker.unbindQueue(queue, 'bind.a')).toBe(false);
      expect((await ctx.broker.getQueue(queue)).bindings).toEqual(['bind.b']);
      const result = await ctx.broker.publish([{ routingKey: 'bind.a', payload: 1 }, { routingKey: 'bind.b', payload: 2 }], { mandatory: 'report' });
      expect(result.unroutable).toEqual([result.messageIds[0]]);
      const seen = await ctx.collect(queue);
      await waitFor(() => seen.length === 1, { what: 'the message on the binding left' });
      expect(seen[0].payload).toBe(2);
    });

    it('deletes a queue with its messages (saying how many), and refuses with ifEmpty while it holds some', async () => {
      const queue = await ctx.queue('delete');
      await ctx.broker.publish([0, 1, 2].map((i) => ({ routingKey: queue, payload: i })));
      await waitFor(async () => (await ctx.broker.queueStats(queue)).ready === 3, { what: 'three ready' });
      await expect(ctx.broker.deleteQueue(queue, { ifEmpty: true })).rejects.toBeInstanceOf(QueueInUseError);
      expect(await ctx.broker.deleteQueue(queue)).toBe(3);
      await expect(ctx.broker.queueStats(queue)).rejects.toBeInstanceOf(QueueNotFoundError);
    });

    it('answers ping, reports its consumers and connection, and tells onMessageHandled listeners each outcome', async () => {
      await ctx.broker.ping();
      const queue = await ctx.queue('health', { maxAttempts: 1 });
      const handled: HandledMessage[] = [];
      const stopListening = ctx.broker.onMessageHandled((m) => m.queue === queue && handled.push(m));
      try {
        const consumer = await ctx.consume<string>(queue, (d) => {
          if (d.payload === 'bad') throw new RejectMessageError('bad');
        });
        expect(ctx.broker.consumerStatus.running).toContain(queue);
        expect(['unused', 'connected', 'disconnected']).toContain(ctx.broker.connectionState);
        await ctx.broker.publish([{ routingKey: queue, payload: 'good' }, { routingKey: queue, payload: 'bad' }]);
        await waitFor(() => handled.length === 2, { what: 'two handled messages' });
        expect(handled.map((m) => m.outcome).sort()).toEqual(['acked', 'failed']);
        expect(handled.every((m) => m.durationMs >= 0)).toBe(true);
        await consumer.stop();
        expect(ctx.broker.consumerStatus.running).not.toContain(queue);
        expect(ctx.broker.consumerStatus.stopped).toContain(queue);
      } finally {
        stopListening();
      }
      for (const chore of ctx.broker.maintenanceChores()) {
        expect(typeof chore.name).toBe('string');
        expect(chore.intervalMs).toBeGreaterThan(0);
        expect(await chore.run(10)).toBeGreaterThanOrEqual(0);
      }
    });

    it('gives a delivery back with release: visible again at once, its attempt not counted', async () => {
      const queue = await ctx.queue('release');
      let released = false;
      const attempts: number[] = [];
      await ctx.consume(queue, async (d) => {
        attempts.push(d.attempt);
        if (!released) {
          released = true;
          await ctx.broker.release(d);
        }
      });
      await ctx.broker.publish({ routingKey: queue, payload: 1 });
      await waitFor(() => attempts.length === 2, { timeoutMs: 5_000, what: 'the released message again' });
      await sleep(200);
      expect(attempts).toEqual([1, 1]);
    });
  });
}
