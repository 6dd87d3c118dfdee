import type { MessageSummary } from '../../../src/driver/admin-types.js';
import { RejectMessageError } from '../../../src/errors.js';
import { DEAD_LETTER_SUFFIX } from '../../../src/topology/queue-options.js';
import { waitFor } from '../../wait-for.js';
import type { ConformanceContext } from '../conformance-context.js';
import { CAPABILITY_NOT_SUPPORTED } from './capabilities.js';

/** Every page of a browse, following nextCursor. */
async function allPages(ctx: ConformanceContext, queue: string, query: Parameters<ConformanceContext['broker']['browseMessages']>[1]): Promise<MessageSummary[][]> {
  const pages: MessageSummary[][] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.broker.browseMessages(queue, { ...query, cursor });
    pages.push(page.messages);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 20);
  return pages;
}

interface DeadLetterFixture {
  queue: string;
  deadLetterQueue: string;
  /** By payload: `declined-<n>` are rejected (RejectMessageError), `broken` failed its only attempt (TypeError). */
  ids: Record<string, string>;
}

/**
 * A queue with three dead letters: two rejected with RejectMessageError ('card declined …', keys `<queue>.card.<n>`),
 * one that failed its only attempt with a TypeError (key `<queue>.bank.1`).
 */
async function deadLetters(ctx: ConformanceContext, label: string): Promise<DeadLetterFixture> {
  const queue = ctx.name(label);
  await ctx.broker.declareQueue(queue, { maxAttempts: 1 });
  await ctx.broker.bindQueue(queue, `${queue}.#`);
  const deadLetterQueue = queue + DEAD_LETTER_SUFFIX;
  const consumer = await ctx.consume<string>(
    queue,
    (d) => {
      if (d.payload.startsWith('declined')) throw new RejectMessageError(`card declined for ${d.payload}`);
      throw new TypeError('amount is not a number');
    },
    { concurrency: 1, prefetch: 0 },
  );
  const payloads = ['declined-1', 'declined-2', 'broken'];
  const keys = [`${queue}.card.1`, `${queue}.card.2`, `${queue}.bank.1`];
  const ids: Record<string, string> = {};
  for (const [i, payload] of payloads.entries()) {
    // One at a time: the dead-letter queue's order is then the publish order on every engine.
    const { messageIds } = await ctx.broker.publish({ routingKey: keys[i], payload, headers: { tenant: `t-${payload}` } });
    ids[payload] = messageIds[0];
    await waitFor(async () => (await ctx.broker.queueStats(deadLetterQueue)).ready === i + 1, { timeoutMs: 15_000, what: `dead letter ${i + 1}` });
  }
  await consumer.stop();
  return { queue, deadLetterQueue, ids };
}

export function describeAdminBrowse(ctx: ConformanceContext): void {
  describe('operators: browse, detail, dead-letter groups, selective redrive, delete', () => {
    let dead: DeadLetterFixture;
    beforeAll(async () => {
      dead = await deadLetters(ctx, 'admin-dead');
    });

    it('browses page by page with a cursor, oldest first and newest first, without taking the messages', async () => {
      const queue = await ctx.queue('browse', { maxAttempts: 1 });
      const deadLetterQueue = queue + DEAD_LETTER_SUFFIX;
      // One handler at a time: the dead letters arrive in publish order on every engine.
      await ctx.consume(queue, () => {
        throw new RejectMessageError('not wanted');
      }, { concurrency: 1, prefetch: 0 });
      const { messageIds: published } = await ctx.broker.publish(Array.from({ length: 7 }, (_, n) => ({ routingKey: queue, payload: { n } })));
      await waitFor(async () => (await ctx.broker.queueStats(deadLetterQueue)).ready === 7, { timeoutMs: 15_000, what: 'seven dead letters' });

      const oldest = await allPages(ctx, deadLetterQueue, { limit: 3 });
      expect(oldest.map((page) => page.length)).toEqual([3, 3, 1]);
      expect(oldest.flat().map((m) => m.messageId)).toEqual(published);
      const newest = await allPages(ctx, queue, { state: 'dead', limit: 3, order: 'newest' });
      expect(newest.flat().map((m) => m.messageId)).toEqual([...published].reverse());
      const [first] = oldest[0];
      expect(first).toMatchObject({ queue: deadLetterQueue, routingKey: queue, state: 'dead' });
      expect(first.deaths[0]).toMatchObject({ queue, reason: 'rejected' });
      expect(first.payloadBytes).toBe(Buffer.byteLength(JSON.stringify({ n: 0 })));
      expect((await ctx.broker.queueStats(deadLetterQueue)).ready).toBe(7);
    });

    it('filters by routing-key pattern, error text, dead-letter reason and source queue; state dead reads the dead-letter queue', async () => {
      const ids = (query: Parameters<typeof ctx.broker.browseMessages>[1]) =>
        ctx.broker.browseMessages(dead.queue, { state: 'dead', ...query }).then((page) => page.messages.map((m) => m.messageId));
      expect(await ids({})).toEqual([dead.ids['declined-1'], dead.ids['declined-2'], dead.ids.broken]);
      expect(await ids({ routingKey: `${dead.queue}.card.*` })).toEqual([dead.ids['declined-1'], dead.ids['declined-2']]);
      expect(await ids({ routingKey: '#.1' })).toEqual([dead.ids['declined-1'], dead.ids.broken]);
      expect(await ids({ errorText: 'DECLINED FOR declined-2' })).toEqual([dead.ids['declined-2']]);
      expect(await ids({ reason: 'delivery_limit' })).toEqual([dead.ids.broken]);
      expect(await ids({ reason: 'rejected', sourceQueue: dead.queue })).toEqual([dead.ids['declined-1'], dead.ids['declined-2']]);
      expect(await ids({ sourceQueue: ctx.name('elsewhere') })).toEqual([]);
      const direct = await ctx.broker.browseMessages(dead.deadLetterQueue);
      expect(direct.messages.map((m) => [m.queue, m.state])).toEqual(Array(3).fill([dead.deadLetterQueue, 'dead']));
    });

    it('shows what the engine can browse by state: delayed and leased messages where it can, a typed refusal where it cannot', async () => {
      const queue = await ctx.queue('states');
      const [delayed] = (await ctx.broker.publish({ routingKey: queue, payload: 'later', delayMs: 60_000 })).messageIds;
      const [ready] = (await ctx.broker.publish({ routingKey: queue, payload: 'now' })).messageIds;
      const states = ctx.broker.capabilities.browseStates;
      expect(states).toContain('dead');
      const byState = async (state: 'ready' | 'delayed' | 'leased') => (await ctx.broker.browseMessages(queue, { state })).messages.map((m) => m.messageId);
      if (states.includes('ready')) {
        expect(await byState('ready')).toEqual([ready]);
        expect((await ctx.broker.browseMessages(queue)).messages.map((m) => [m.messageId, m.state])).toEqual([[delayed, 'delayed'], [ready, 'ready']]);
        expect(await ctx.broker.getMessage(queue, ready)).toMatchObject({ payload: 'now', state: 'ready', attempts: 0 });
      } else {
        await expect(byState('ready')).rejects.toMatchObject({ code: CAPABILITY_NOT_SUPPORTED });
        await expect(ctx.broker.getMessage(queue, ready)).rejects.toMatchObject({ code: CAPABILITY_NOT_SUPPORTED });
      }
      if (states.includes('delayed')) {
        expect(await byState('delayed')).toEqual([delayed]);
        const [summary] = (await ctx.broker.browseMessages(queue, { state: 'delayed' })).messages;
        expect(summary.visibleAt!.getTime()).toBeGreaterThan(Date.now() + 30_000);
      } else {
        await expect(byState('delayed')).rejects.toMatchObject({ code: CAPABILITY_NOT_SUPPORTED });
      }
      if (states.includes('leased')) {
        const [claimed] = await ctx.broker.claim(queue);
        expect(await byState('leased')).toEqual([claimed.messageId]);
        expect(await ctx.broker.deleteMessage(queue, claimed.messageId)).toBe(false); // not while a consumer holds it
        await ctx.broker.ack(claimed);
      } else {
        await expect(byState('leased')).rejects.toMatchObject({ code: CAPABILITY_NOT_SUPPORTED });
      }
    });

    it('reads one message with its headers, payload and death history; refuses bad input with typed errors', async () => {
      const detail = await ctx.broker.getMessage(dead.deadLetterQueue, dead.ids.broken);
      expect(detail).toMatchObject({ messageId: dead.ids.broken, queue: dead.deadLetterQueue, routingKey: `${dead.queue}.bank.1`, payload: 'broken', state: 'dead' });
      expect(detail!.headers).toMatchObject({ tenant: 't-broken' });
      expect(detail!.deaths[0]).toMatchObject({ queue: dead.queue, reason: 'delivery_limit', count: 1 });
      expect(detail!.deaths[0].lastError).toContain('TypeError: amount is not a number');
      expect(await ctx.broker.getMessage(dead.deadLetterQueue, 'no-such-message')).toBeNull();

      const q = dead.deadLetterQueue;
      await expect(ctx.broker.browseMessages(q, { limit: 501 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ctx.broker.browseMessages(q, { cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ctx.broker.browseMessages(q, { order: 'sideways' as 'oldest' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ctx.broker.browseMessages(q, { reason: 'lost' as 'rejected' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ctx.broker.browseMessages(ctx.name('missing'))).rejects.toMatchObject({ code: 'QUEUE_NOT_FOUND' });
      await expect(ctx.broker.redrive(q, { filter: { reason: 'lost' as 'rejected' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ctx.broker.redrive(q, { messageIds: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((await ctx.broker.queueStats(q)).ready).toBe(3);
    });

    it('groups dead letters by dead-letter queue, source queue, reason and error type, with counts and death times', async () => {
      const groups = await ctx.broker.deadLetterGroups(dead.queue);
      const shape = groups.map(({ deadLetterQueue, sourceQueue, reason, errorType, count }) => ({ deadLetterQueue, sourceQueue, reason, errorType, count }));
      const common = { deadLetterQueue: dead.deadLetterQueue, sourceQueue: dead.queue };
      expect(shape.sort((a, b) => a.reason.localeCompare(b.reason))).toEqual([
        { ...common, reason: 'delivery_limit', errorType: 'TypeError', count: 1 },
        { ...common, reason: 'rejected', errorType: 'RejectMessageError', count: 2 },
      ]);
      const rejected = groups.find((g) => g.reason === 'rejected')!;
      expect(rejected.oldest.getTime()).toBeLessThanOrEqual(rejected.newest.getTime());
      expect(Date.now() - rejected.newest.getTime()).toBeLessThan(10 * 60_000);
      expect((await ctx.broker.deadLetterGroups()).filter((g) => g.sourceQueue === dead.queue).reduce((n, g) => n + g.count, 0)).toBe(3);
    });

    it('redrives the dead letters named by id, then those a filter selects, leaves the rest, and deletes one', async () => {
      const fixture = await deadLetters(ctx, 'admin-redrive');
      expect(await ctx.broker.redrive(fixture.deadLetterQueue, { messageIds: [fixture.ids['declined-2']] })).toBe(1);
      expect(await ctx.broker.redrive(fixture.deadLetterQueue, { filter: { reason: 'delivery_limit', routingKey: `${fixture.queue}.bank.*` } })).toBe(1);
      expect(await ctx.broker.redrive(fixture.deadLetterQueue, { filter: { errorText: 'nothing like this' } })).toBe(0);
      const back = await ctx.collect(fixture.queue);
      await waitFor(() => back.length === 2, { what: 'the two redriven messages' });
      expect(back.map((m) => m.messageId).sort()).toEqual([fixture.ids['declined-2'], fixture.ids.broken].sort());
      const left = (await ctx.broker.browseMessages(fixture.deadLetterQueue)).messages;
      expect(left.map((m) => m.messageId)).toEqual([fixture.ids['declined-1']]);

      // The one left is deleted: once, then there is nothing to delete.
      expect(await ctx.broker.deleteMessage(fixture.deadLetterQueue, fixture.ids['declined-1'])).toBe(true);
      expect(await ctx.broker.deleteMessage(fixture.deadLetterQueue, fixture.ids['declined-1'])).toBe(false);
      expect(await ctx.broker.getMessage(fixture.deadLetterQueue, fixture.ids['declined-1'])).toBeNull();
      expect((await ctx.broker.browseMessages(fixture.deadLetterQueue)).messages).toEqual([]);
    });
  });
}
