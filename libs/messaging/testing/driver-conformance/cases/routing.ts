import fc from 'fast-check';
import type { MessageConsumer } from '../../../src/driver/broker-types.js';
import type { Delivery } from '../../../src/message.js';
import { topicMatches } from '../../../src/topology/topic-matcher.js';
import { waitFor } from '../../wait-for.js';
import { sleep, TEST_CONSUMER, type ConformanceContext } from '../conformance-context.js';
import { BINDINGS, EXPECTED, WIDE_BINDINGS, WIDE_EXPECTED, WIDE_WORDS } from '../rabbitmq-topic-vectors.js';

/** How long to wait, once every expected copy arrived, for a copy that should not exist. */
const EXTRA_COPY_WAIT_MS = 200;

/**
 * Declares a queue per label, binds each (label, pattern), consumes them all, publishes `keys` (mandatory
 * 'report'), and returns, per key, the labels of the queues that received a copy. The queues are deleted after:
 * some are bound to '#' and would catch the other cases' messages.
 */
async function routeThrough(ctx: ConformanceContext, bindings: readonly [label: string, pattern: string][], keys: readonly string[], expectedCopies: number): Promise<Map<string, string[]>> {
  const queueOf = new Map<string, string>();
  for (const [label] of bindings) if (!queueOf.has(label)) queueOf.set(label, ctx.name('route'));
  const labelOf = new Map([...queueOf].map(([label, queue]) => [queue, label]));
  const received: Delivery<number>[] = [];
  const consumers: MessageConsumer[] = [];
  try {
    for (const queue of queueOf.values()) await ctx.broker.declareQueue(queue, { deadLetterQueue: null });
    for (const [label, pattern] of bindings) await ctx.broker.bindQueue(queueOf.get(label)!, pattern);
    for (const queue of queueOf.values()) consumers.push(await ctx.broker.consume<number>(queue, (d) => void received.push(d), { ...TEST_CONSUMER, concurrency: 20 }));
    await ctx.broker.publish(keys.map((routingKey, i) => ({ routingKey, payload: i })), { mandatory: 'report' });
    await waitFor(() => received.length >= expectedCopies, { timeoutMs: 5_000, what: `${expectedCopies} routed copies` }).catch(() => undefined);
    await sleep(EXTRA_COPY_WAIT_MS);
  } finally {
    await Promise.all(consumers.map((c) => c.stop()));
    for (const queue of queueOf.values()) await ctx.broker.deleteQueue(queue);
  }
  const byKey = new Map<string, string[]>(keys.map((key) => [key, []]));
  for (const d of received) byKey.get(keys[d.payload])!.push(labelOf.get(d.queue)!);
  for (const labels of byKey.values()) labels.sort();
  return byKey;
}

const sorted = (labels: readonly string[]) => [...labels].sort();

export function describeRouting(ctx: ConformanceContext): void {
  describe('routing', () => {
    it("delivers RabbitMQ's topic-exchange vectors to exactly the expected queues, one copy per queue, through real bindings", async () => {
      const expectedCopies = EXPECTED.reduce((n, [, queues]) => n + queues.length, 0);
      const byKey = await routeThrough(ctx, BINDINGS, EXPECTED.map(([key]) => key), expectedCopies);
      expect(Object.fromEntries(byKey)).toEqual(Object.fromEntries(EXPECTED.map(([key, queues]) => [key, sorted(queues)])));
    });

    it('routes keys and patterns of any text as RabbitMQ does: literal * and # inside words, spaces, metacharacters, non-ASCII', async () => {
      const expectedCopies = WIDE_EXPECTED.reduce((n, [, queues]) => n + queues.length, 0);
      const byKey = await routeThrough(ctx, WIDE_BINDINGS, WIDE_EXPECTED.map(([key]) => key), expectedCopies);
      expect(Object.fromEntries(byKey)).toEqual(Object.fromEntries(WIDE_EXPECTED.map(([key, queues]) => [key, sorted(queues)])));
    });

    it('routes random keys to exactly the queues whose random patterns topicMatches accepts (fast-check)', async () => {
      const word = fc.constantFrom(...WIDE_WORDS);
      const pattern = fc.array(fc.oneof(word, fc.constant('*'), fc.constant('#')), { maxLength: 4 }).map((ws) => ws.join('.'));
      const key = fc.array(fc.oneof(word, fc.constant('a'), fc.constant('b')), { maxLength: 4 }).map((ws) => ws.join('.'));
      await fc.assert(
        fc.asyncProperty(fc.array(pattern, { minLength: 1, maxLength: 5 }), fc.array(key, { minLength: 1, maxLength: 8 }), async (patterns, keys) => {
          const bindings = patterns.map((p, i) => [`q${i}`, p] as [string, string]);
          const expected = new Map(keys.map((k) => [k, sorted(bindings.filter(([, p]) => topicMatches(p, k)).map(([label]) => label))]));
          const expectedCopies = keys.reduce((n, k) => n + expected.get(k)!.length, 0);
          const byKey = await routeThrough(ctx, bindings, keys, expectedCopies);
          // Keys repeat: a repeated key's copies are counted once per publish.
          for (const k of new Set(keys)) {
            const times = keys.filter((x) => x === k).length;
            expect(byKey.get(k)).toEqual(sorted(expected.get(k)!.flatMap((label) => Array<string>(times).fill(label))));
          }
        }),
        // Shrinking a failure re-runs the routing many times: bounded, so the case fails with its counterexample in time.
        { numRuns: 6, seed: 10, interruptAfterTimeLimit: 30_000, markInterruptAsFailure: true },
      );
    });

    it('fans one publish out to every bound queue, each copy with the same id, payload and headers', async () => {
      const all = await ctx.queue('fanout-all', {}, 'fan.#');
      const star = await ctx.queue('fanout-star', {}, 'fan.*');
      const exact = await ctx.queue('fanout-exact', {}, 'fan.created');
      const other = await ctx.queue('fanout-other', {}, 'fan.deleted');
      const seen = new Map<string, Delivery[]>();
      for (const queue of [all, star, exact, other]) seen.set(queue, await ctx.collect(queue));
      await ctx.broker.publish({ routingKey: 'fan.created', payload: { order: 7 }, messageId: `${all}-m`, headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
      await waitFor(() => [all, star, exact].every((q) => seen.get(q)!.length === 1), { what: 'a copy in each bound queue' });
      await sleep(EXTRA_COPY_WAIT_MS);
      for (const queue of [all, star, exact]) {
        expect(seen.get(queue)!.map((d) => ({ queue: d.queue, messageId: d.messageId, routingKey: d.routingKey, payload: d.payload, attempt: d.attempt, traceparent: d.headers.traceparent }))).toEqual([
          { queue, messageId: `${all}-m`, routingKey: 'fan.created', payload: { order: 7 }, attempt: 1, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
        ]);
      }
      expect(seen.get(other)).toEqual([]);
    });
  });
}
