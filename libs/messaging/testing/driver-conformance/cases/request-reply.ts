import type { Delivery } from '../../../src/message.js';
import { CORRELATION_ID_HEADER, REPLY_TO_HEADER } from '../../../src/transport/request-reply.js';
import { waitFor } from '../../wait-for.js';
import type { ConformanceContext } from '../conformance-context.js';

export function describeRequestReply(ctx: ConformanceContext): void {
  describe('request-reply', () => {
    it('answers requests through openReplyInbox and publishToQueue, each reply matched to its request by correlation id', async () => {
      const requests = ctx.name('rpc');
      await ctx.broker.declareQueue(requests, { deadLetterQueue: null });
      await ctx.consume<{ n: number }>(requests, async (d) => {
        await ctx.broker.publishToQueue(d.headers[REPLY_TO_HEADER], {
          routingKey: d.routingKey,
          payload: { doubled: d.payload.n * 2 },
          headers: { [CORRELATION_ID_HEADER]: d.headers[CORRELATION_ID_HEADER] },
        });
      });
      const replies: Delivery<{ doubled: number }>[] = [];
      const inbox = await ctx.broker.openReplyInbox((reply) => void replies.push(reply as Delivery<{ doubled: number }>));
      try {
        expect(typeof inbox.address).toBe('string');
        await ctx.broker.publishToQueue(requests, [1, 2, 3].map((n) => ({
          routingKey: 'double',
          payload: { n },
          headers: { [REPLY_TO_HEADER]: inbox.address, [CORRELATION_ID_HEADER]: `request-${n}` },
        })));
        await waitFor(() => replies.length === 3, { what: 'three replies' });
        expect(Object.fromEntries(replies.map((r) => [r.headers[CORRELATION_ID_HEADER], r.payload.doubled]))).toEqual({ 'request-1': 2, 'request-2': 4, 'request-3': 6 });
      } finally {
        await inbox.close();
      }
    });
  });
}
