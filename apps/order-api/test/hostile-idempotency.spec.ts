import { plainToInstance } from 'class-transformer';
import { orderRequestFingerprint } from '../src/orders/canonical-request.js';
import { CreateOrderDto } from '../src/orders/create-order.dto.js';
import { order, postJson } from './hostile/cases.js';
import type { HostileRequest } from './hostile/http-client.js';
import { expectNoLeak, expectRefusal, startHostileOrderApi, type HostileOrderApi } from './hostile/order-api-fixture.js';

describe('order-api: Idempotency-Key under hostile use', () => {
  let api: HostileOrderApi;
  beforeAll(async () => {
    api = await startHostileOrderApi('hostile_idem');
  });
  afterAll(() => api.stop());

  /** POST /orders with an Idempotency-Key, as `caller` (the token's customer; default the suite's). */
  const withKey = (key: string, body: unknown, caller?: string): HostileRequest => ({ ...postJson(body, { 'idempotency-key': key }), caller });
  const ordersOf = async (customerId: string) =>
    (await api.orders.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE customer_id = $1', [customerId])).rows[0].n;

  it('the same key 10× at once with the same body: one order, every response the same 201', async () => {
    const responses = await Promise.all(Array.from({ length: 10 }, () => api.send(withKey('same-10', order(), 'c-same-10'))));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((r) => r.json.id)).size).toBe(1);
    for (const response of responses) expect(response.json).toEqual(responses[0].json);
    expect(await ordersOf('c-same-10')).toBe(1);
  });

  it('the same key 10× at once with 10 different bodies: one order, one 201, nine 409s naming no internals', async () => {
    const bodies = Array.from({ length: 10 }, (_, i) => order({ items: [{ sku: 'a', quantity: i + 1, unitPrice: '1.00' }] }));
    const responses = await Promise.all(bodies.map((body) => api.send(withKey('diff-10', body, 'c-diff-10'))));
    expect(responses.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    for (const refused of responses.filter((r) => r.status === 409)) expectRefusal(refused, 409, /different request/);
    expect(await ordersOf('c-diff-10')).toBe(1);
    const winner = responses.find((r) => r.status === 201)!;
    // A later repeat of the winning body replays it.
    const winningQuantity = winner.json.items[0].quantity as number;
    const replay = await api.send(withKey('diff-10', bodies[winningQuantity - 1], 'c-diff-10'));
    expect([replay.status, replay.json]).toEqual([201, winner.json]);
  });

  // Compared as the order the API understood: key order and the spelling of amounts do not matter.
  it.each([
    ['the keys reordered', { items: [{ unitPrice: '1.00', quantity: 2, sku: 'a' }], currency: 'EUR', email: 'ada@example.com' }],
    ['"1.00" sent as 1', order({ items: [{ sku: 'a', quantity: 2, unitPrice: 1 }] })],
    ['"1.00" sent as "1"', order({ items: [{ sku: 'a', quantity: 2, unitPrice: '1' }] })],
    ['"1.00" sent as "1.0"', order({ items: [{ sku: 'a', quantity: 2, unitPrice: '1.0' }] })],
    ['"1.00" sent as 1.000 (a number)', order({ items: [{ sku: 'a', quantity: 2, unitPrice: 1.0 }] })],
  ])('replays the first response for the same order with %s', async (_what, body) => {
    const key = 'canon-1';
    const first = await api.send(withKey(key, order({ items: [{ sku: 'a', quantity: 2, unitPrice: '1.00' }] }), 'c-canon-1'));
    expect(first.status).toBe(201);
    const repeat = await api.send(withKey(key, body, 'c-canon-1'));
    expect([repeat.status, repeat.json]).toEqual([201, first.json]);
    expect(await ordersOf('c-canon-1')).toBe(1);
  });

  it.each([
    ['another amount', order({ items: [{ sku: 'a', quantity: 2, unitPrice: '1.01' }, { sku: 'b', quantity: 1, unitPrice: '3' }] })],
    ['another quantity', order({ items: [{ sku: 'a', quantity: 3, unitPrice: '1' }, { sku: 'b', quantity: 1, unitPrice: '3' }] })],
    ['the items in another order', order({ items: [{ sku: 'b', quantity: 1, unitPrice: '3' }, { sku: 'a', quantity: 2, unitPrice: '1' }] })],
    ['another currency', order({ currency: 'USD', items: [{ sku: 'a', quantity: 2, unitPrice: '1' }, { sku: 'b', quantity: 1, unitPrice: '3' }] })],
    ['another email', order({ email: 'Ada@example.com', items: [{ sku: 'a', quantity: 2, unitPrice: '1' }, { sku: 'b', quantity: 1, unitPrice: '3' }] })],
    ['an item fewer', order({ items: [{ sku: 'a', quantity: 2, unitPrice: '1' }] })],
  ])('refuses the same key for a different order (%s): 409, nothing written', async (_what, body) => {
    const key = 'canon-2';
    const first = await api.send(withKey(key, order({ items: [{ sku: 'a', quantity: 2, unitPrice: '1.00' }, { sku: 'b', quantity: 1, unitPrice: 3 }] }), 'c-canon-2'));
    expect(first.status).toBe(201);
    const before = await api.counts();
    expectRefusal(await api.send(withKey(key, body, 'c-canon-2')), 409, /different request/);
    expect(await api.counts()).toEqual(before);
  });

  it('a key whose first request was refused (400) is not taken: the same key then places the order once', async () => {
    const before = await api.counts();
    expectRefusal(await api.send(withKey('after-400', order({ currency: 'XXX' }), 'c-after-400')), 400, /currency/);
    expectRefusal(await api.send(withKey('after-400', order({ items: [{ sku: 'a', quantity: 1, unitPrice: '1.001' }] }), 'c-after-400')), 400, /decimals/);
    expectRefusal(await api.send(withKey('after-400', order({ customerId: 'c-after-400' }), 'c-after-400')), 400, /property customerId should not exist/);
    expect(await api.counts()).toEqual(before);
    const placed = await api.send(withKey('after-400', order(), 'c-after-400'));
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
      const first = await api.send(withKey(key, order(), customerId));
      expect(first.status).toBe(201);
      expectNoLeak(first);
      const replay = await api.send(withKey(key, order(), customerId));
      expect([replay.status, replay.json]).toEqual([201, first.json]);
      const stored = await api.orders.query('SELECT key FROM idempotency_keys WHERE key = $1', [key]);
      expect(stored.rows).toEqual([{ key }]);
      expect(await ordersOf(customerId)).toBe(1);
    },
  );

  // Keys are the customer's own: another customer's key is invisible, whatever it holds.
  it("a token for customer A cannot replay customer B's key: A gets its own order, never B's response, and B's key is untouched", async () => {
    const key = 'shared-by-a-and-b';
    const body = order({ items: [{ sku: 'a', quantity: 2, unitPrice: '1.00' }] });
    const ofB = await api.send(withKey(key, body, 'c-victim-b'));
    expect(ofB.status).toBe(201);
    // A replays B's request, key and body byte for byte: not a replay of B's order, a new order of A's.
    const ofA = await api.send(withKey(key, body, 'c-attacker-a'));
    expect(ofA.status).toBe(201);
    expect(ofA.json.id).not.toBe(ofB.json.id);
    expect(ofA.text).not.toContain(ofB.json.id);
    // Another customer sends B's key with another body: 201, not B's 409 (which would tell that B used the key).
    const ofC = await api.send(withKey(key, order({ currency: 'USD' }), 'c-attacker-c'));
    expect([ofC.status, ofC.text.includes(ofB.json.id)]).toEqual([201, false]);
    // Each key is its customer's: A's repeat replays A's, B's replays B's, and B's key still refuses another body.
    expect((await api.send(withKey(key, body, 'c-attacker-a'))).json).toEqual(ofA.json);
    expect((await api.send(withKey(key, body, 'c-victim-b'))).json).toEqual(ofB.json);
    expectRefusal(await api.send(withKey(key, order({ currency: 'USD' }), 'c-victim-b')), 409, /different request/);
    expect((await api.send({ path: `/orders/${ofB.json.id}`, caller: 'c-attacker-a' })).status).toBe(404);
    const rows = await api.orders.query('SELECT customer_id, count(*)::int AS n FROM orders WHERE customer_id IN ($1, $2, $3) GROUP BY customer_id ORDER BY customer_id', [
      'c-attacker-a',
      'c-attacker-c',
      'c-victim-b',
    ]);
    expect(rows.rows).toEqual([
      { customer_id: 'c-attacker-a', n: 1 },
      { customer_id: 'c-attacker-c', n: 1 },
      { customer_id: 'c-victim-b', n: 1 },
    ]);
    const keys = await api.orders.query('SELECT customer_id FROM idempotency_keys WHERE key = $1 ORDER BY customer_id', [key]);
    expect(keys.rows).toEqual([{ customer_id: 'c-attacker-a' }, { customer_id: 'c-attacker-c' }, { customer_id: 'c-victim-b' }]);
  });

  it('the same key from two customers 5× each at once: one order each, every response its own customer\'s', async () => {
    const key = 'raced-by-two';
    const customers = ['c-race-a', 'c-race-b'];
    const responses = await Promise.all(customers.flatMap((caller) => Array.from({ length: 5 }, () => api.send(withKey(key, order(), caller)))));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    const [ofA, ofB] = [responses.slice(0, 5), responses.slice(5)];
    expect(new Set(ofA.map((r) => r.json.id)).size).toBe(1);
    expect(new Set(ofB.map((r) => r.json.id)).size).toBe(1);
    expect(ofA[0].json.id).not.toBe(ofB[0].json.id);
    const owners = await api.orders.query('SELECT id, customer_id FROM orders WHERE id = ANY($1) ORDER BY customer_id', [[ofA[0].json.id, ofB[0].json.id]]);
    expect(owners.rows).toEqual([
      { id: ofA[0].json.id, customer_id: 'c-race-a' },
      { id: ofB[0].json.id, customer_id: 'c-race-b' },
    ]);
  });

  it("the fingerprint holds the token's customer: the same order is another request for another customer", () => {
    const dto = plainToInstance(CreateOrderDto, order());
    const prices = [1250n];
    expect(orderRequestFingerprint('c-a', dto, prices)).toBe(orderRequestFingerprint('c-a', plainToInstance(CreateOrderDto, order()), [1250n]));
    expect(orderRequestFingerprint('c-a', dto, prices)).not.toBe(orderRequestFingerprint('c-b', dto, prices));
    expect(orderRequestFingerprint('c-a', dto, prices)).toMatch(/^v2:[0-9a-f]{64}$/);
  });
});
