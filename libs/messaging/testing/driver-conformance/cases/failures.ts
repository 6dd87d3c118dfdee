import type { DeadLetterEvent } from '../../../src/driver/dead-letter-event.js';
import { RejectMessageError, RetryMessageError } from '../../../src/errors.js';
import { DEAD_LETTER_SUFFIX } from '../../../src/topology/queue-options.js';
import { signal, waitFor } from '../../wait-for.js';
import { sleep, within, type ConformanceContext } from '../conformance-context.js';

/** Timers and clocks of two processes may disagree by a few ms; a retry is never earlier than its backoff minus this. */
const CLOCK_SLACK_MS = 15;

/** A queue whose consumer rejects every message: `count` of them land in its dead-letter queue. */
async function deadLetters(ctx: ConformanceContext, label: string, count: number): Promise<{ queue: string; messageIds: string[] }> {
  const queue = await ctx.queue(label, { maxAttempts: 1 });
  const consumer = await ctx.consume(queue, () => {
    throw new RejectMessageError(`poison in ${label}`);
  });
  const { messageIds } = await ctx.broker.publish(Array.from({ length: count }, (_, i) => ({ routingKey: queue, payload: i })));
  await waitFor(async () => (await ctx.broker.queueStats(queue + DEAD_LETTER_SUFFIX)).ready === count, { timeoutMs: 10_000, what: `${count} dead letters` });
  await consumer.stop();
  return { queue, messageIds };
}

export function describeFailures(ctx: ConformanceContext): void {
  describe('retries and dead letters', () => {
    it('retries a failing message no earlier than its backoff, then dead-letters it with its death history and last error', async () => {
      const queue = await ctx.queue('retries', { maxAttempts: 3, retryBaseMs: 300, retryMaxMs: 10_000, retryJitter: 0 });
      const attempts: { attempt: number; at: number; lastError: string | null }[] = [];
      await ctx.consume(queue, (d) => {
        attempts.push({ attempt: d.attempt, at: Date.now(), lastError: d.lastError });
        throw new Error(`boom on attempt ${d.attempt}`);
      });
      const dead = await ctx.collect<{ order: number }>(queue + DEAD_LETTER_SUFFIX);
      const { messageIds } = await ctx.broker.publish({ routingKey: queue, payload: { order: 1 } });
      await waitFor(() => dead.length === 1, { timeoutMs: 15_000, what: 'the dead letter' });

      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(300 - CLOCK_SLACK_MS);
      expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(600 - CLOCK_SLACK_MS);
      expect(attempts.map((a) => a.lastError?.includes(`boom on attempt ${a.attempt - 1}`) ?? null)).toEqual([null, true, true]);
      const [letter] = dead;
      expect(letter).toMatchObject({ messageId: messageIds[0], routingKey: queue, payload: { order: 1 } });
      expect(letter.deaths[0]).toMatchObject({ queue, reason: 'delivery_limit', count: 1, routingKey: queue });
      expect(letter.deaths[0].lastError).toContain('boom on attempt 3');
    });

    it('dead-letters a rejected message at once, whatever attempts are left', async () => {
      const queue = await ctx.queue('reject', { maxAttempts: 5 });
      const attempts: number[] = [];
      await ctx.consume(queue, (d) => {
        attempts.push(d.attempt);
        throw new RejectMessageError('malformed order');
      });
      const dead = await ctx.collect(queue + DEAD_LETTER_SUFFIX);
      await ctx.broker.publish({ routingKey: queue, payload: 'bad' });
      await waitFor(() => dead.length === 1, { what: 'the rejected message' });
      await sleep(200);
      expect(attempts).toEqual([1]);
      expect(dead[0].deaths[0]).toMatchObject({ queue, reason: 'rejected', count: 1 });
      expect(dead[0].deaths[0].lastError).toContain('malformed order');
    });

    it('retries a message after the delay a RetryMessageError asks for, using an attempt', async () => {
      const queue = await ctx.queue('retry-after', { maxAttempts: 3, retryBaseMs: 0, retryMaxMs: 0 });
      const attempts: { attempt: number; at: number }[] = [];
      await ctx.consume(queue, (d) => {
        attempts.push({ attempt: d.attempt, at: Date.now() });
        if (d.attempt === 1) throw new RetryMessageError('rate limited', { delayMs: 400 });
      });
      await ctx.broker.publish({ routingKey: queue, payload: 'later' });
      await waitFor(() => attempts.length === 2, { timeoutMs: 10_000, what: 'the retry' });
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(400 - CLOCK_SLACK_MS);
    });

    it('redrives dead letters back to the queue they died in with a fresh attempt count, or to another queue', async () => {
      const { queue, messageIds } = await deadLetters(ctx, 'redrive', 3);
      const dlq = queue + DEAD_LETTER_SUFFIX;
      expect(await ctx.broker.redrive(dlq, { limit: 2 })).toBe(2);
      const back = await ctx.collect(queue);
      await waitFor(() => back.length === 2, { what: 'two redriven messages' });
      expect(back.map((d) => d.attempt)).toEqual([1, 1]);
      expect(back.every((d) => d.deaths[0]?.queue === queue && d.deaths[0]?.reason === 'rejected')).toBe(true);

      const other = ctx.name('redrive-to');
      await ctx.broker.declareQueue(other);
      expect(await ctx.broker.redrive(dlq, { to: other })).toBe(1);
      const moved = await ctx.collect(other);
      await waitFor(() => moved.length === 1, { what: 'the message redriven elsewhere' });
      expect(new Set([...back, ...moved].map((d) => d.messageId))).toEqual(new Set(messageIds));
      expect((await ctx.broker.queueStats(dlq)).ready).toBe(0);
    });

    it('takes each dead-letter event once: a failed taker leaves it, the next takes it, two takers split the events', async () => {
      const woken = signal();
      const unsubscribe = await ctx.broker.onDeadLetterEvent(() => woken.resolve());
      try {
        const { queue, messageIds } = await deadLetters(ctx, 'events', 4);
        await within(woken.promise, 5_000, 'onDeadLetterEvent to wake');
        const ours = (events: DeadLetterEvent[]) => events.filter((e) => e.queue === queue);

        await expect(ctx.broker.takeDeadLetterEvents(100, () => Promise.reject(new Error('webhook down')))).rejects.toThrow('webhook down');

        const takers = [0, 1].map(() => [] as DeadLetterEvent[]);
        const counts = await Promise.all(
          takers.map((taken) => ctx.broker.takeDeadLetterEvents(2, async (events) => {
            taken.push(...events);
            await sleep(100);
          })),
        );
        const rest: DeadLetterEvent[] = [];
        while ((await ctx.broker.takeDeadLetterEvents(100, async (events) => void rest.push(...events))) > 0);

        expect(counts).toEqual(takers.map((t) => t.length));
        const all = ours([...takers[0], ...takers[1], ...rest]);
        expect(all.map((e) => e.messageId).sort()).toEqual([...messageIds].sort());
        expect(all[0]).toMatchObject({ queue, deadLetterQueue: queue + DEAD_LETTER_SUFFIX, routingKey: queue, reason: 'rejected' });
        expect(all[0].error).toContain(`poison in events`);
        expect(all[0].occurredAt).toBeInstanceOf(Date);
        expect(await ctx.broker.takeDeadLetterEvents(100, async () => undefined)).toBe(0);
      } finally {
        unsubscribe();
      }
    });

    it('reports queue stats by state (ready, delayed for a retry, leased) and purges the messages no consumer holds', async () => {
      const queue = await ctx.queue('stats');
      await ctx.broker.publish([0, 1, 2, 3].map((i) => ({ routingKey: queue, payload: i })));
      const hold = signal();
      const holding = signal();
      let handled = 0;
      const consumer = await ctx.consume(queue, async (_d, control) => {
        if (++handled === 1) return control.nack({ delayMs: 60_000 });
        holding.resolve();
        return hold.promise;
      }, { concurrency: 1, prefetch: 0 });
      await holding.promise;
      await waitFor(async () => (await ctx.broker.queueStats(queue)).delayed === 1, { timeoutMs: 5_000, what: 'the retry waiting' });
      expect(await ctx.broker.queueStats(queue)).toEqual({ ready: 2, delayed: 1, leased: 1, leaseExpired: 0 });
      const stopping = consumer.stop();
      hold.resolve();
      await stopping;

      expect(await ctx.broker.purge(queue)).toBeGreaterThanOrEqual(2);
      expect(await ctx.broker.queueStats(queue)).toMatchObject({ ready: 0, leased: 0 });
    });
  });
}
