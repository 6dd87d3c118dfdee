import type { BrokerCapabilities } from '../../../src/driver/capabilities.js';
import type { Delivery } from '../../../src/message.js';
import { signal, waitFor } from '../../wait-for.js';
import { sleep, type ConformanceContext } from '../conformance-context.js';

/** The `code` of the error a method behind a capability the driver lacks throws (CapabilityNotSupportedError). */
export const CAPABILITY_NOT_SUPPORTED = 'CAPABILITY_NOT_SUPPORTED';

/** Registers the case for a true flag, or the one for a false flag: each driver runs one of the two. */
function either(ctx: ConformanceContext, flag: keyof BrokerCapabilities, whenTrue: [string, () => Promise<void>], whenFalse: [string, () => Promise<void>]): void {
  it(`${flag}: ${whenTrue[0]} / without it: ${whenFalse[0]}`, async () => {
    if (ctx.broker.capabilities[flag]) await whenTrue[1]();
    else await whenFalse[1]();
  });
}

/** Holds the first delivery of `queue` under its lease until the returned release() is called. */
async function holdOne(ctx: ConformanceContext, queue: string): Promise<{ delivery: Delivery; release: () => void }> {
  const held = signal<Delivery>();
  const done = signal();
  await ctx.consume(queue, (d) => (held.resolve(d), done.promise), { concurrency: 1, prefetch: 0 });
  await ctx.broker.publish({ routingKey: queue, payload: 'held' });
  return { delivery: await held.promise, release: () => done.resolve() };
}

export function describeCapabilities(ctx: ConformanceContext): void {
  describe('capabilities', () => {
    it('declares every capability flag', () => {
      const c = ctx.broker.capabilities;
      for (const flag of ['leaseExtension', 'leaseExpiry', 'deduplicationWindow', 'browseWithoutConsuming', 'atomicBatchPublish', 'transactionalPublish', 'pull', 'queueUpdate', 'topologyIntrospection', 'activityRates', 'pausedConsumersCounted'] as const) {
        expect(typeof c[flag]).toBe('boolean');
      }
      expect(['exact', 'rounded']).toContain(c.delayedMessages);
      for (const state of c.browseStates) expect(['ready', 'delayed', 'leased', 'dead']).toContain(state);
      expect(c.browseDepth === null || (Number.isInteger(c.browseDepth) && c.browseDepth > 0)).toBe(true);
    });

    either(ctx, 'leaseExtension',
      ['extendLease moves a held lease past its old end', async () => {
        const { delivery, release } = await holdOne(ctx, await ctx.queue('extend', { leaseMs: 5_000 }));
        const until = await ctx.broker.extendLease(delivery, 60_000);
        expect(until.getTime()).toBeGreaterThan(delivery.leaseExpiresAt.getTime() - 1);
        expect(until.getTime()).toBeGreaterThan(Date.now() + 50_000);
        release();
      }],
      ['extendLease throws CapabilityNotSupportedError and leaves the delivery settleable', async () => {
        const queue = await ctx.queue('extend');
        const { delivery, release } = await holdOne(ctx, queue);
        await expect(ctx.broker.extendLease(delivery, 60_000)).rejects.toMatchObject({ code: CAPABILITY_NOT_SUPPORTED });
        release();
        await waitFor(async () => (await ctx.broker.queueStats(queue)).leased === 0, { what: 'the ack' });
      }]);

    either(ctx, 'pull',
      ['claim pulls a batch under leases, ackMany settles it', async () => {
        const queue = await ctx.queue('pull');
        await ctx.broker.publish([0, 1, 2].map((i) => ({ routingKey: queue, payload: i })));
        const claimed = await ctx.broker.claim(queue, { limit: 2 });
        expect(claimed.map((d) => d.attempt)).toEqual([1, 1]);
        expect((await ctx.broker.ackMany(claimed)).settled.sort()).toEqual(claimed.map((d) => d.id).sort());
        expect(await ctx.broker.queueStats(queue)).toMatchObject({ ready: 1, leased: 0 });
      }],
      ['claim throws CapabilityNotSupportedError', async () => {
        await expect(ctx.broker.claim(await ctx.queue('pull'), { limit: 1 })).rejects.toMatchObject({ code: CAPABILITY_NOT_SUPPORTED });
      }]);

    either(ctx, 'queueUpdate',
      ['updateQueue changes the options in place', async () => {
        const queue = await ctx.queue('update', { maxAttempts: 2 });
        expect((await ctx.broker.updateQueue(queue, { maxAttempts: 7 })).options.maxAttempts).toBe(7);
        expect((await ctx.broker.getQueue(queue)).options.maxAttempts).toBe(7);
      }],
      ['updateQueue throws a typed error (CapabilityNotSupportedError or QueueOptionsConflictError) and the queue keeps its options', async () => {
        const queue = await ctx.queue('update', { maxAttempts: 2 });
        const error = await ctx.broker.updateQueue(queue, { maxAttempts: 7 }).catch((e: unknown) => e);
        expect([CAPABILITY_NOT_SUPPORTED, 'QUEUE_OPTIONS_CONFLICT']).toContain((error as { code?: string }).code);
        expect((await ctx.broker.getQueue(queue)).options.maxAttempts).toBe(2);
      }]);

    either(ctx, 'deduplicationWindow',
      ['a message id accepted within the window is dropped and reported as a duplicate', async () => {
        const queue = await ctx.queue('dedup');
        const message = { routingKey: queue, payload: 1, messageId: `${queue}-once` };
        expect((await ctx.broker.publish(message, { deduplicationWindowMs: 60_000 })).duplicates).toEqual([]);
        expect((await ctx.broker.publish(message, { deduplicationWindowMs: 60_000 })).duplicates).toEqual([`${queue}-once`]);
        const seen = await ctx.collect(queue);
        await waitFor(() => seen.length === 1, { what: 'the message' });
        await sleep(200);
        expect(seen).toHaveLength(1);
      }],
      ['a publish asking for a window throws CapabilityNotSupportedError and stores nothing (the inbox deduplicates instead)', async () => {
        const queue = await ctx.queue('dedup');
        await expect(ctx.broker.publish({ routingKey: queue, payload: 1 }, { deduplicationWindowMs: 60_000 })).rejects.toMatchObject({ code: CAPABILITY_NOT_SUPPORTED });
        expect((await ctx.broker.queueStats(queue)).ready).toBe(0);
      }]);

    either(ctx, 'browseWithoutConsuming',
      ['browse reads messages in order, leaving no trace: the next delivery is attempt 1', async () => {
        const queue = await ctx.queue('browse');
        await ctx.broker.publish([0, 1].map((i) => ({ routingKey: queue, payload: i })));
        for (let i = 0; i < 2; i++) expect((await ctx.broker.browse(queue)).map((d) => d.payload)).toEqual([0, 1]);
        const seen = await ctx.collect(queue);
        await waitFor(() => seen.length === 2, { what: 'both messages' });
        expect(seen.map((d) => d.attempt)).toEqual([1, 1]);
      }],
      ['browse reads the messages and leaves them in the queue', async () => {
        const queue = await ctx.queue('browse');
        await ctx.broker.publish([0, 1].map((i) => ({ routingKey: queue, payload: i })));
        expect((await ctx.broker.browse(queue)).map((d) => d.payload).sort()).toEqual([0, 1]);
        await waitFor(async () => (await ctx.broker.queueStats(queue)).ready === 2, { what: 'both messages back in the queue' });
      }]);

    either(ctx, 'leaseExpiry',
      ['a handler that hangs past leaseMs has its message redelivered to another consumer', async () => {
        const queue = await ctx.queue('expiry', { leaseMs: 500 });
        const attempts: number[] = [];
        await ctx.consume(queue, async (d) => {
          attempts.push(d.attempt);
          if (d.attempt === 1) await new Promise(() => undefined);
        }, { concurrency: 2, prefetch: 2 });
        await ctx.broker.publish({ routingKey: queue, payload: 'slow' });
        await waitFor(() => attempts.length === 2, { timeoutMs: 5_000, what: 'the redelivery' });
        expect(attempts).toEqual([1, 2]);
      }],
      ['a handler that hangs keeps its message while its consumer lives', async () => {
        const queue = await ctx.queue('expiry', { leaseMs: 500 });
        const attempts: number[] = [];
        await ctx.consume(queue, async (d) => {
          attempts.push(d.attempt);
          await new Promise(() => undefined);
        }, { concurrency: 2, prefetch: 2, shutdownGraceMs: 100 });
        await ctx.broker.publish({ routingKey: queue, payload: 'slow' });
        await sleep(1_500);
        expect(attempts).toEqual([1]);
      }]);

    it(`delays a message no less than delayMs (kept 'exact' or 'rounded' up as the driver declares)`, async () => {
      const queue = await ctx.queue('delay');
      const seen = await ctx.collect(queue);
      const publishedAt = Date.now();
      await ctx.broker.publish({ routingKey: queue, payload: 'later', delayMs: 400 });
      await waitFor(() => seen.length === 1, { timeoutMs: 10_000, what: 'the delayed message' });
      const waited = Date.now() - publishedAt;
      expect(waited).toBeGreaterThanOrEqual(400 - 15);
      if (ctx.broker.capabilities.delayedMessages === 'exact') expect(waited).toBeLessThan(400 + 1_500);
    });
  });
}
