import fc from 'fast-check';
import { compilePattern, routingForm } from '../src/topology/topic-matcher.js';
import { createTestBroker, type TestBroker } from '../testing/index.js';
import { BINDINGS, EXPECTED, referenceMatch, WIDE_BINDINGS, WIDE_EXPECTED, WIDE_WORDS, wordsOf } from '../testing/driver-conformance/rabbitmq-topic-vectors.js';

describe('topic routing in PostgreSQL', () => {
  let t: TestBroker;

  beforeAll(async () => {
    t = await createTestBroker('routing');
    for (const [queue, pattern] of [...BINDINGS, ...WIDE_BINDINGS]) {
      await t.broker.declareQueue(queue, { deadLetterQueue: null });
      await t.broker.bindQueue(queue, pattern);
    }
  });
  afterAll(() => t.cleanup());

  /** Publishes each key once and returns, per key, the queues that got a copy. */
  async function route(keys: string[]): Promise<Map<string, string[]>> {
    await t.query(`DELETE FROM "${t.schema}".messages`);
    const result = await t.broker.publish(keys.map((routingKey, i) => ({ routingKey, payload: i, messageId: `m-${i}` })), { mandatory: 'report' });
    const rows = await t.query<{ queue: string; message_id: string }>(`SELECT queue, message_id FROM "${t.schema}".messages ORDER BY id`);
    const byKey = new Map<string, string[]>(keys.map((key) => [key, []]));
    for (const row of rows) byKey.get(keys[Number(row.message_id.slice(2))])?.push(row.queue);
    expect(result.copies).toBe(rows.length);
    return byKey;
  }

  it("delivers RabbitMQ's conformance vectors to exactly the expected queues, one copy per queue", async () => {
    const byKey = await route(EXPECTED.map(([key]) => key));
    for (const [key, expected] of EXPECTED) {
      expect([...(byKey.get(key) ?? [])].filter((q) => q.startsWith('t')).sort()).toEqual([...expected].sort());
    }
  });

  it('routes keys and patterns of any text as RabbitMQ does: literal * and # words, spaces, metacharacters, non-ASCII', async () => {
    const byKey = await route(WIDE_EXPECTED.map(([key]) => key));
    for (const [key, expected] of WIDE_EXPECTED) {
      expect([...(byKey.get(key) ?? [])].filter((q) => q.startsWith('w')).sort()).toEqual([...expected].sort());
    }
  });

  it("agrees with RabbitMQ's rules on 100,000 random pattern × key pairs of a wide alphabet, run by PostgreSQL's regex engine", async () => {
    const word = fc.constantFrom(...WIDE_WORDS);
    const patterns = fc.sample(fc.array(fc.oneof(word, fc.constant('*'), fc.constant('#')), { maxLength: 5 }).map((ws) => ws.join('.')), { numRuns: 200, seed: 8 });
    // Half the keys are instances of a pattern (its wildcards filled in), so that matches are frequent.
    const instances = patterns.map((p) => wordsOf(p).flatMap((w) => (w === '#' ? [] : w === '*' ? ['a*b'] : [w])).join('.'));
    const keys = [...instances, ...fc.sample(fc.array(word, { maxLength: 5 }).map((ws) => ws.join('.')), { numRuns: 300, seed: 16 })];
    const pairs = patterns.flatMap((p) => keys.map((k) => [p, k] as const));
    const rows = await t.query<{ matched: boolean[] }>(
      `SELECT array_agg(k ~ r ORDER BY ord) AS matched FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(k, r, ord)`,
      [pairs.map(([, k]) => routingForm(k)), pairs.map(([p]) => compilePattern(p))],
    );
    const expected = pairs.map(([p, k]) => referenceMatch(wordsOf(p), wordsOf(k)));
    const mismatches = pairs.filter((_, i) => rows[0].matched[i] !== expected[i]);
    expect(mismatches).toEqual([]);
    expect(pairs.length).toBe(100_000);
    expect(expected.filter(Boolean).length).toBeGreaterThan(1_000);
  });
});
