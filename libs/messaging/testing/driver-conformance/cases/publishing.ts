import { InvalidNameError, PayloadNotSerializableError, PayloadTooLargeError, QueueNotFoundError, UnroutableMessageError } from '../../../src/errors.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../../../src/validation/payload.js';
import { waitFor } from '../../wait-for.js';
import type { ConformanceContext } from '../conformance-context.js';

export function describePublishing(ctx: ConformanceContext): void {
  describe('publishing', () => {
    it('mandatory (the default) throws UnroutableMessageError for a key no queue is bound to', async () => {
      const queue = await ctx.queue('mandatory');
      const error = await ctx.broker.publish({ routingKey: `${queue}.nobody`, payload: 2, messageId: `${queue}-lost` }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnroutableMessageError);
      expect(error).toMatchObject({ code: 'UNROUTABLE', routingKeys: [`${queue}.nobody`], messageIds: [`${queue}-lost`] });
    });

    it('mandatory (the default) throws for a batch that holds an unroutable message, storing none of it where batches are atomic', async () => {
      const queue = await ctx.queue('mandatory-batch');
      await expect(ctx.broker.publish([{ routingKey: queue, payload: 1 }, { routingKey: `${queue}.nobody`, payload: 2 }])).rejects.toBeInstanceOf(UnroutableMessageError);
      // Without atomic batches the routable message was delivered before RabbitMQ returned the other.
      const expected = ctx.broker.capabilities.atomicBatchPublish ? 0 : 1;
      await waitFor(async () => (await ctx.broker.queueStats(queue)).ready === expected, { what: `${expected} stored message(s)` });
      expect(await ctx.broker.queueStats(queue)).toEqual({ ready: expected, delayed: 0, leased: 0, leaseExpired: 0 });
    });

    it("mandatory 'report' stores the routable messages and lists the unroutable ones", async () => {
      const queue = await ctx.queue('report');
      const result = await ctx.broker.publish(
        [{ routingKey: queue, payload: 1, messageId: `${queue}-routed` }, { routingKey: `${queue}.nobody`, payload: 2, messageId: `${queue}-unroutable` }],
        { mandatory: 'report' },
      );
      expect(result).toMatchObject({ messageIds: [`${queue}-routed`, `${queue}-unroutable`], unroutable: [`${queue}-unroutable`], duplicates: [] });
      const seen = await ctx.collect(queue);
      await waitFor(() => seen.length === 1, { what: 'the routable message' });
      expect(seen[0].messageId).toBe(`${queue}-routed`);
    });

    it('publishToQueue stores into that queue, bypassing bindings, and throws QueueNotFoundError for a missing queue', async () => {
      const queue = ctx.name('direct');
      await ctx.broker.declareQueue(queue);
      const seen = await ctx.collect(queue);
      await ctx.broker.publishToQueue(queue, { routingKey: 'not.bound.anywhere', payload: 'direct' });
      await waitFor(() => seen.length === 1, { what: 'the direct message' });
      expect(seen[0]).toMatchObject({ queue, routingKey: 'not.bound.anywhere', payload: 'direct' });
      const missing = ctx.name('missing');
      await expect(ctx.broker.publishToQueue(missing, { routingKey: 'x', payload: 1 })).rejects.toBeInstanceOf(QueueNotFoundError);
    });

    it('refuses a payload over maxPayloadBytes, or one JSON cannot carry, with a typed error and stores nothing', async () => {
      const queue = await ctx.queue('payload');
      await expect(ctx.broker.publish({ routingKey: queue, payload: 'x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES) })).rejects.toBeInstanceOf(PayloadTooLargeError);
      await expect(ctx.broker.publish({ routingKey: queue, payload: { n: 1n } })).rejects.toBeInstanceOf(PayloadNotSerializableError);
      await expect(ctx.broker.publishToQueue(queue, { routingKey: queue, payload: 'x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES) })).rejects.toBeInstanceOf(PayloadTooLargeError);
      expect((await ctx.broker.queueStats(queue)).ready).toBe(0);
    });

    it('refuses invalid queue names, routing keys, patterns, message ids and headers with InvalidNameError', async () => {
      const queue = await ctx.queue('names');
      const invalid: [string, () => Promise<unknown>][] = [
        ['queue name with a space', () => ctx.broker.declareQueue('has space')],
        ['queue name starting with a dot', () => ctx.broker.declareQueue('.hidden')],
        ['pattern with NUL', () => ctx.broker.bindQueue(queue, 'a\0b')],
        ['routing key over 255 bytes', () => ctx.broker.publish({ routingKey: 'k'.repeat(256), payload: 1 })],
        ['routing key with a lone surrogate', () => ctx.broker.publish({ routingKey: 'a.\ud800', payload: 1 })],
        ['message id with a space', () => ctx.broker.publish({ routingKey: queue, payload: 1, messageId: 'with space' })],
        ['header name with a space', () => ctx.broker.publish({ routingKey: queue, payload: 1, headers: { 'bad name': 'x' } })],
      ];
      const outcomes = await Promise.all(invalid.map(async ([what, call]) => [what, await call().then(() => 'accepted', (e: unknown) => (e instanceof InvalidNameError ? 'InvalidNameError' : String(e)))]));
      expect(Object.fromEntries(outcomes)).toEqual(Object.fromEntries(invalid.map(([what]) => [what, 'InvalidNameError'])));
      expect((await ctx.broker.queueStats(queue)).ready).toBe(0);
    });
  });
}
