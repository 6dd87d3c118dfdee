import type { INestApplication } from '@nestjs/common';
import { Broker, OpsListener, type Delivery } from '@app/messaging';
import { createTestDatabase, waitFor, type TestDatabase } from '@app/messaging/testing';
import pg from 'pg';
import { createOrderApi } from '../src/app.js';
import { bearer, TEST_AUTH } from './customer-tokens.js';

// Response bodies are checked field by field: a loose type keeps the assertions readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('order-api', () => {
  let ordersDb: TestDatabase;
  let brokerDb: TestDatabase;
  let app: INestApplication;
  let base: string;
  let ops: string;
  let broker: Broker;

  beforeAll(async () => {
    ordersDb = await createTestDatabase('orders');
    brokerDb = await createTestDatabase('broker');
    app = await createOrderApi(
      { port: 0, opsPort: 0, opsHost: '127.0.0.1', ordersDatabaseUrl: ordersDb.url, brokerDatabaseUrl: brokerDb.url, auth: TEST_AUTH },
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    ops = app.get(OpsListener).url;
    broker = await Broker.connect({ connectionString: brokerDb.url, poolSize: 2 });
    await broker.declareQueue('test.order-created');
    await broker.bindQueue('test.order-created', 'order.created');
  });
  afterAll(async () => {
    await broker.close();
    await app.close();
    await ordersDb.drop();
    await brokerDb.drop();
  });

  const order = (overrides: Record<string, unknown> = {}) => ({
    email: 'ada@example.com',
    currency: 'EUR',
    items: [
      { sku: 'book-1', quantity: 2, unitPrice: '12.50' },
      { sku: 'pen-2', quantity: 1, unitPrice: 0.99 },
    ],
    ...overrides,
  });

  /** POST /orders as `customer` (the token's sub). */
  async function post(body: unknown, headers: Record<string, string> = {}, customer = 'cust-1') {
    const response = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(customer), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  const get = async (path: string, customer = 'cust-1') => {
    const response = await fetch(`${base}${path}`, { headers: bearer(customer) });
    return { status: response.status, body: (await response.json()) as Json };
  };

  const expectCleanError = (body: unknown) => {
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/\s{2,}at |\.ts:\d|SELECT |INSERT |node_modules|stack/i);
  };

  it('places an order: 201 with the server-computed total, and order.created in the same transaction', async () => {
    const { status, body } = await post(order());
    expect(status).toBe(201);
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'pending',
      total: '25.99',
      currency: 'EUR',
      items: [
        { sku: 'book-1', quantity: 2, unitPrice: '12.50' },
        { sku: 'pen-2', quantity: 1, unitPrice: '0.99' },
      ],
      createdAt: expect.any(String),
    });
    const [message] = await waitFor(() => broker.claim<Record<string, unknown>>('test.order-created'), { what: 'order.created' });
    expect(message.messageId).toBe(`order-${body.id}-created`);
    expect(message.payload).toMatchObject({ ...body, customerId: 'cust-1', email: 'ada@example.com' });
    await broker.ack(message as Delivery);
  });

  it('uses the currency minor units: JPY has none, and too many decimals is a 400', async () => {
    const yen = await post(order({ currency: 'JPY', items: [{ sku: 'tea', quantity: 3, unitPrice: '250' }] }));
    expect(yen.status).toBe(201);
    expect(yen.body.total).toBe('750');
    const bad = await post(order({ currency: 'JPY', items: [{ sku: 'tea', quantity: 1, unitPrice: '2.5' }] }));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(['items.0.unitPrice must have at most 0 decimals for JPY']);
  });

  it.each([
    ['a missing field', order({ email: undefined })],
    ['an unknown field', { ...order(), total: '0.01' }],
    ['a customerId (the customer is the token\'s)', { ...order(), customerId: 'cust-1' }],
    ['an unknown currency', order({ currency: 'XYZ' })],
    ['a bad email', order({ email: 'not-an-email' })],
    ['no items', order({ items: [] })],
    ['a zero quantity', order({ items: [{ sku: 'a', quantity: 0, unitPrice: '1' }] })],
    ['a fractional quantity', order({ items: [{ sku: 'a', quantity: 1.5, unitPrice: '1' }] })],
    ['a negative price', order({ items: [{ sku: 'a', quantity: 1, unitPrice: '-1' }] })],
    ['a price that is not a number', order({ items: [{ sku: 'a', quantity: 1, unitPrice: 'ten' }] })],
    ['an unknown item field', order({ items: [{ sku: 'a', quantity: 1, unitPrice: '1', discount: 5 }] })],
  ])('answers 400 for %s, with the reason and no internals', async (_what, body) => {
    const { status, body: error } = await post(body);
    expect(status).toBe(400);
    expect(error.statusCode).toBe(400);
    expect(Array.isArray(error.message)).toBe(true);
    expectCleanError(error);
  });

  it('answers 400 for malformed JSON and 413 for a body over the limit', async () => {
    const malformed = await post('{"email": ');
    expect(malformed.status).toBe(400);
    expectCleanError(malformed.body);
    const huge = await post(order({ items: Array.from({ length: 100 }, () => ({ sku: 'x'.repeat(64), quantity: 1, unitPrice: '1', note: 'y'.repeat(700) })) }));
    expect(huge.status).toBe(413);
    expectCleanError(huge.body);
  });

  it('GET /orders/:id: 200, 404 for an unknown id, 400 for a malformed one', async () => {
    const { body: created } = await post(order(), {}, 'cust-get');
    expect(await get(`/orders/${created.id}`, 'cust-get')).toEqual({ status: 200, body: created });
    const missing = await get('/orders/3f1c2a4e-8b7d-4c6e-9f00-123456789abc');
    expect(missing.status).toBe(404);
    expectCleanError(missing.body);
    expect((await get('/orders/not-a-uuid')).status).toBe(400);
  });

  it("GET /orders pages through the caller's orders, newest first", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await post(order(), {}, 'cust-pages')).body.id);
    const first = await get('/orders?limit=2', 'cust-pages');
    const second = await get(`/orders?limit=2&cursor=${first.body.nextCursor}`, 'cust-pages');
    const third = await get(`/orders?customerId=cust-pages&limit=2&cursor=${second.body.nextCursor}`, 'cust-pages');
    const seen = [...first.body.items, ...second.body.items, ...third.body.items].map((o: { id: string }) => o.id);
    expect(seen).toEqual([...ids].reverse());
    expect(third.body.nextCursor).toBeNull();
    expect((await get('/orders?customerId=bad%20id', 'cust-pages')).status).toBe(400);
    expect((await get('/orders?limit=500', 'cust-pages')).status).toBe(400);
    expect((await get('/orders?cursor=garbage', 'cust-pages')).status).toBe(400);
  });

  it('Idempotency-Key: the same key and body replays the first response; another body is 409', async () => {
    const key = { 'idempotency-key': 'checkout-42' };
    const first = await post(order(), key, 'cust-idem');
    const again = await post(order(), key, 'cust-idem');
    expect(first.status).toBe(201);
    expect(again).toEqual(first);
    const other = await post(order({ currency: 'USD' }), key, 'cust-idem');
    expect(other.status).toBe(409);
    expectCleanError(other.body);
    const concurrent = await Promise.all([1, 2, 3].map(() => post(order(), { 'idempotency-key': 'race-1' }, 'cust-race')));
    expect(new Set(concurrent.map((r) => r.body.id)).size).toBe(1);
    const orders = new pg.Client({ connectionString: ordersDb.url });
    await orders.connect();
    const { rows } = await orders.query(`SELECT count(*)::int AS n FROM orders WHERE customer_id IN ('cust-idem', 'cust-race')`);
    await orders.end();
    expect(rows[0].n).toBe(2);
  });

  it('GET /metrics (on the ops port): queue depths and the age of the oldest waiting message, in the Prometheus format', async () => {
    await broker.publish({ routingKey: 'order.created', payload: {}, messageId: 'metrics-probe' });
    const response = await fetch(`${ops}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/^messaging_queue_messages\{queue="test.order-created",state="ready"\} [1-9]\d*$/m);
    expect(text).toMatch(/^messaging_queue_messages\{queue="orders.payment-events",state="leased"\} \d+$/m);
    expect(text).toMatch(/^messaging_queue_oldest_message_age_seconds\{queue="test.order-created"\} \d/m);
    await broker.ackMany(await broker.claim('test.order-created', { limit: 100 }));
  });

  it('moves an order to paid or payment_failed on payment results, once', async () => {
    const { body: paid } = await post(order());
    const { body: failed } = await post(order());
    await broker.publish([
      { routingKey: 'payment.completed', payload: { orderId: paid.id }, messageId: `payment-${paid.id}` },
      { routingKey: 'payment.failed', payload: { orderId: failed.id, reason: 'declined' }, messageId: `payment-${failed.id}` },
    ]);
    await waitFor(async () => (await get(`/orders/${failed.id}`)).body.status === 'payment_failed', { what: 'payment_failed' });
    await waitFor(async () => (await get(`/orders/${paid.id}`)).body.status === 'paid', { what: 'paid' });
    // A late contrary result, and a redelivery of the first, change nothing.
    await broker.publish([
      { routingKey: 'payment.failed', payload: { orderId: paid.id }, messageId: `late-${paid.id}` },
      { routingKey: 'payment.completed', payload: { orderId: paid.id }, messageId: `payment-${paid.id}` },
    ]);
    await waitFor(async () => {
      const stats = await broker.queueStats('orders.payment-events');
      return stats.ready + stats.leased === 0;
    }, { what: 'the late results to be handled' });
    expect((await get(`/orders/${paid.id}`)).body.status).toBe('paid');
  });
});
