import { order, postJson } from './hostile/cases.js';
import { expectNoLeak, expectRefusal, startHostileOrderApi, type HostileOrderApi } from './hostile/order-api-fixture.js';

describe('order-api: Idempotency-Key under hostile use', () => {
  let api: HostileOrderApi;
  beforeAll(async () => {
    api = await startHostileOrderApi('hostile_idem');
  });
  afterAll(() => api.stop());

  const withKey = (key: string, body: unknown) => postJson(body, { 'idempotency-key': key });
  const ordersOf = async (customerId: string) =>
    (await api.orders.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE customer_id = $1', [customerId])).rows[0].n;

  it('the same key 10× at once with the same body: one order, every response the same 201', async () => {
    const responses = await Promise.all(Array.from({ length: 10 }, () => api.send(withKey('same-10', order({ customerId: 'c-same-10' })))));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((r) => r.json.id)).size).toBe(1);
    for (const response of responses) expect(response.json).toEqual(responses[0].json);
    expect(await ordersOf('c-same-10')).toBe(1);
  });

  it('the same key 10× at once with 10 different bodies: one order, one 201, nine 409s naming no internals', async () => {
    const bodies = Array.from({ length: 10 }, (_, i) => order({ customerId: 'c-diff-10', items: [{ sku: 'a', quantity: i + 1, unitPrice: '1.00' }] }));
    const responses = await Promise.all(bodies.map((body) => api.send(withKey('diff-10', body))));
    expect(responses.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    for (const refused of responses.filter((r) => r.status === 409)) expectRefusal(refused, 409, /different request/);
    expect(await ordersOf('c-diff-10')).toBe(1);
    const winner = responses.find((r) => r.status === 201)!;
    // A later repeat of the winning body replays it.
    const winningQuantity = winner.json.items[0].quantity as number;
    const replay = await api.send(withKey('diff-10', bodies[winningQuantity - 1]));
    expect([replay.status, replay.json]).toEqual([201, winner.json]);
  });

  // Compared as the order the API understood: key order and the spelling of amounts do not matter.
  it.each([
    ['the keys reordered', { items: [{ unitPrice: '1.00', quantity: 2, sku: 'a' }], currency: 'EUR', email: 'ada@example.com', customerId: 'c-canon-1' }],
    ['"1.00" sent as 1', order({ customerId: 'c-canon-1', items: [{ sku: 'a', quantity: 2, unitPrice: 1 }] })],
    ['"1.00" sent as "1"', order({ customerId: 'c-canon-1', items: [{ sku: 'a', quantity: 2, unitPrice: '1' }] })],
    ['"1.00" sent as "1.0"', order({ customerId: 'c-canon-1', items: [{ sku: 'a', quantity: 2, unitPrice: '1.0' }] })],
    ['"1.00" sent as 1.000 (a number)', order({ customerId: 'c-canon-1', items: [{ sku: 'a', quantity: 2, unitPrice: 1.0 }] })],
  ])('replays the first response for the same order with %s', async (_what, body) => {
    const key = 'canon-1';
    const first = await api.send(withKey(key, order({ customerId: 'c-canon-1', items: [{ sku: 'a', quantity: 2, unitPrice: '1.00' }] })));
    expect(first.status).toBe(201);
    const repeat = await api.send(withKey(key, body));
    expect([repeat.status, repeat.json]).toEqual([201, first.json]);
    expect(await ordersOf('c-canon-1')).toBe(1);
  });

  it.each([
    ['another amount', order({ customerId: 'c-canon-2', items: [{ sku: 'a', quantity: 2, unitPrice: '1.01' }, { sku: 'b', quantity: 1, unitPrice: '3' }] })],
    ['another quantity', order({ customerId: 'c-canon-2', items: [{ sku: 'a', quantity: 3, unitPrice: '1' }, { sku: 'b', quantity: 1, unitPrice: '3' }] })],
    ['the items in another order', order({ customerId: 'c-canon-2', items: [{ sku: 'b', quantity: 1, unitPrice: '3' }, { sku: 'a', quantity: 2, unitPrice: '1' }] })],
    ['another currency', order({ customerId: 'c-canon-2', currency: 'USD', items: [{ sku: 'a', quantity: 2, unitPrice: '1' }, { sku: 'b', quantity: 1, unitPrice: '3' }] })],
    ['another email', order({ customerId: 'c-canon-2', email: 'Ada@example.com', items: [{ sku: 'a', quantity: 2, unitPrice: '1' }, { sku: 'b', quantity: 1, unitPrice: '3' }] })],
    ['another customer', order({ customerId: 'c-canon-2b', items: [{ sku: 'a', quantity: 2, unitPrice: '1' }, { sku: 'b', quantity: 1, unitPrice: '3' }] })],
    ['an item fewer', order({ customerId: 'c-canon-2', items: [{ sku: 'a', quantity: 2, unitPrice: '1' }] })],
  ])('refuses the same key for a different order (%s): 409, nothing written', async (_what, body) => {
    const key = 'canon-2';
    const first = await api.send(withKey(key, order({ customerId: 'c-canon-2', items: [{ sku: 'a', quantity: 2, unitPrice: '1.00' }, { sku: 'b', quantity: 1, unitPrice: 3 }] })));
    expect(first.status).toBe(201);
    const before = await api.counts();
    expectRefusal(await api.send(withKey(key, body)), 409, /different request/);
    expect(await api.counts()).toEqual(before);
  });

  it('a key whose first request was refused (400) is not taken: the same key then places the order once', async () => {
    const before = await api.counts();
    expectRefusal(await api.send(withKey('after-400', order({ currency: 'XXX' }))), 400, /currency/);
    expectRefusal(await api.send(withKey('after-400', order({ items: [{ sku: 'a', quantity: 1, unitPrice: '1.001' }] }))), 400, /decimals/);
    expect(await api.counts()).toEqual(before);
    const placed = await api.send(withKey('after-400', order({ customerId: 'c-after-400' })));
    expect(placed.status).toBe(201);
    expect(await ordersOf('c-after-400')).toBe(1);
  });

  const badKeys: [string, string][] = [
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['8 KB', 'k'.repeat(8 * 1024)],
    ['a space', 'a b'],
    ['a tab', 'a\tb'],
    ['Latin-1 bytes', 'cl\u00e9'],
    ['two keys joined by a comma', 'a, b'],
  ];
  it.each(badKeys)('refuses an Idempotency-Key that is %s: 400, nothing written', async (_what, key) => {
    const before = await api.counts();
    expectRefusal(await api.send(withKey(key, order())), 400, /Idempotency-Key/);
    expect(await api.counts()).toEqual(before);
  });

  it('refuses an Idempotency-Key of 20 KB with 431 (Node bounds the headers), nothing written', async () => {
    const before = await api.counts();
    expect((await api.send(withKey('k'.repeat(20 * 1024), order()))).status).toBe(431);
    expect(await api.counts()).toEqual(before);
  });

  it.each(["'OR'1'='1", "x');DROP/**/TABLE/**/orders;--", '%', '_%\\', '$1', '{"$gt":""}', '../../etc/passwd'])(
    'stores the printable key %j as it is, as a key: one order, and a replay finds it',
    async (key) => {
      const customerId = `c-inj-${Buffer.from(key).toString('hex').slice(0, 40)}`;
      const first = await api.send(withKey(key, order({ customerId })));
      expect(first.status).toBe(201);
      expectNoLeak(first);
      const replay = await api.send(withKey(key, order({ customerId })));
      expect([replay.status, replay.json]).toEqual([201, first.json]);
      const stored = await api.orders.query('SELECT key FROM idempotency_keys WHERE key = $1', [key]);
      expect(stored.rows).toEqual([{ key }]);
      expect(await ordersOf(customerId)).toBe(1);
    },
  );
});
