import type { INestApplication } from '@nestjs/common';
import { Broker, OpsListener } from '@app/messaging';
import { createTestDatabase, type TestDatabase } from '@app/messaging/testing';
import pg from 'pg';
import { createOrderApi } from '../src/app.js';
import { bearer, bearerWithClaims, TEST_AUTH, unsignedBearer } from './customer-tokens.js';

// Response bodies are checked field by field: a loose type keeps the assertions readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('order-api: who may call it, and what each caller sees', () => {
  let ordersDb: TestDatabase;
  let brokerDb: TestDatabase;
  let app: INestApplication;
  let base: string;
  let ops: string;

  beforeAll(async () => {
    ordersDb = await createTestDatabase('orders_auth');
    brokerDb = await createTestDatabase('broker_auth');
    // A sink for order.created, so that the relay has somewhere to put what the accepted orders publish.
    const broker = await Broker.connect({ connectionString: brokerDb.url, poolSize: 1 });
    await broker.declareQueue('test.sink', { deadLetterQueue: null });
    await broker.bindQueue('test.sink', '#');
    await broker.close();
    app = await createOrderApi(
      { port: 0, opsPort: 0, opsHost: '127.0.0.1', ordersDatabaseUrl: ordersDb.url, brokerDatabaseUrl: brokerDb.url, auth: TEST_AUTH },
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    ops = app.get(OpsListener).url;
  });
  afterAll(async () => {
    await app.close();
    await ordersDb.drop();
    await brokerDb.drop();
  });

  const order = { email: 'ada@example.com', currency: 'EUR', items: [{ sku: 'book-1', quantity: 1, unitPrice: '12.50' }] };
  const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: (await response.json()) as Json };
  };
  const countOrders = async () => {
    const client = new pg.Client({ connectionString: ordersDb.url });
    await client.connect();
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders`);
    await client.end();
    return rows[0].n;
  };
  const now = () => Math.floor(Date.now() / 1000);
  /** A token of cust-a signed with `secret`, the claims overridden (an undefined claim is left out). */
  const signed = (claims: Record<string, unknown>, secret = TEST_AUTH.secret) => bearerWithClaims(claims, { secret });
  const unsigned = () => unsignedBearer();

  const refusals: [string, () => Record<string, string>, RegExp][] = [
    ['no token', () => ({}), /bearer token is required/],
    ['a header that is not Bearer', () => ({ authorization: 'Basic YWRhOnB3' }), /must be "Bearer <token>"/],
    ['a token that is not a JWT', () => ({ authorization: 'Bearer not-a-jwt' }), /not valid: jwt malformed/],
    ['a bad signature', () => signed({}, 'another-key-of-at-least-thirty-two-chars'), /not valid: invalid signature/],
    ['an expired token', () => signed({ exp: now() - 5 }), /expired/],
    ['another audience', () => signed({ aud: 'billing-api' }), /not valid: jwt audience invalid/],
    ['another issuer', () => signed({ iss: 'someone-else' }), /not valid: jwt issuer invalid/],
    ['alg none', unsigned, /not valid/],
    ['no expiry', () => signed({ exp: undefined }), /no expiry/],
    ['no sub', () => signed({ sub: undefined }), /no customer id in sub/],
    ['a sub that is not a customer id', () => signed({ sub: 'a b' }), /no customer id in sub/],
  ];

  it.each(refusals)('%s: 401 on every order route, with a JSON reason and WWW-Authenticate: Bearer; nothing written', async (_what, headers, reason) => {
    const before = await countOrders();
    for (const [method, path, body] of [
      ['POST', '/orders', order],
      ['GET', '/orders', undefined],
      ['GET', '/orders/3f1c2a4e-8b7d-4c6e-9f00-123456789abc', undefined],
    ] as const) {
      const response = await call(method, path, headers(), body);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(reason) });
      expect(response.challenge).toMatch(/^Bearer realm="order-api"/);
      expect(JSON.stringify(response.body)).not.toContain(TEST_AUTH.secret);
    }
    expect(await countOrders()).toBe(before);
  });

  it('a valid token is accepted, and its sub is the order\'s customer', async () => {
    const created = await call('POST', '/orders', signed({ sub: 'cust-valid' }), order);
    expect(created.status).toBe(201);
    const client = new pg.Client({ connectionString: ordersDb.url });
    await client.connect();
    const { rows } = await client.query(`SELECT customer_id FROM orders WHERE id = $1`, [created.body.id]);
    await client.end();
    expect(rows).toEqual([{ customer_id: 'cust-valid' }]);
  });

  it("customer A cannot read or list B's orders (404 as an unknown id, an empty page), nor create one for B", async () => {
    const mine = await call('POST', '/orders', bearer('cust-b'), order);
    expect(mine.status).toBe(201);
    expect((await call('GET', `/orders/${mine.body.id}`, bearer('cust-b'))).status).toBe(200);

    const probe = await call('GET', `/orders/${mine.body.id}`, bearer('cust-a'));
    const unknown = await call('GET', '/orders/3f1c2a4e-8b7d-4c6e-9f00-123456789abc', bearer('cust-a'));
    expect(probe.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(probe.body.message).toBe(`Order ${mine.body.id} does not exist`);

    expect((await call('GET', '/orders?customerId=cust-b', bearer('cust-a'))).body).toEqual({ items: [], nextCursor: null });
    const listOfA = (await call('GET', '/orders', bearer('cust-a'))).body.items.map((o: { id: string }) => o.id);
    expect(listOfA).not.toContain(mine.body.id);
    expect((await call('GET', '/orders', bearer('cust-b'))).body.items.map((o: { id: string }) => o.id)).toEqual([mine.body.id]);

    const before = await countOrders();
    const forB = await call('POST', '/orders', bearer('cust-a'), { ...order, customerId: 'cust-b' });
    expect(forB.status).toBe(400);
    expect(forB.body.message).toEqual(['property customerId should not exist']);
    expect(await countOrders()).toBe(before);
  });

  it('Idempotency-Key is per customer: the same key from two customers is two orders, each replayed to its own customer', async () => {
    const key = { 'idempotency-key': 'shared-key-1' };
    const ofA = await call('POST', '/orders', { ...bearer('cust-idem-a'), ...key }, order);
    const ofB = await call('POST', '/orders', { ...bearer('cust-idem-b'), ...key }, order);
    expect([ofA.status, ofB.status]).toEqual([201, 201]);
    expect(ofB.body.id).not.toBe(ofA.body.id);
    expect((await call('POST', '/orders', { ...bearer('cust-idem-a'), ...key }, order)).body.id).toBe(ofA.body.id);
    expect((await call('POST', '/orders', { ...bearer('cust-idem-b'), ...key }, order)).body.id).toBe(ofB.body.id);
    const client = new pg.Client({ connectionString: ordersDb.url });
    await client.connect();
    const { rows } = await client.query(`SELECT customer_id FROM idempotency_keys WHERE key = 'shared-key-1' ORDER BY customer_id`);
    await client.end();
    expect(rows).toEqual([{ customer_id: 'cust-idem-a' }, { customer_id: 'cust-idem-b' }]);
  });

  it('health and metrics are on the ops port only: 404 on the API port; the ops port serves nothing else', async () => {
    for (const path of ['/health', '/health/live', '/health/ready', '/metrics']) {
      const onApi = await fetch(`${base}${path}`);
      expect([path, onApi.status]).toEqual([path, 404]);
      expect(await onApi.json()).toEqual({ statusCode: 404, error: 'Not Found', message: `Cannot GET ${path}` });
      const onOps = await fetch(`${ops}${path}`);
      expect([path, onOps.status]).toEqual([path, 200]);
      await onOps.text();
    }
    expect(await (await fetch(`${ops}/metrics`)).text()).toMatch(/^process_cpu_seconds_total /m);
    const orders = await fetch(`${ops}/orders`, { headers: bearer('cust-a') });
    expect(orders.status).toBe(404);
    expect(await orders.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /orders' });
    expect(new URL(ops).hostname).toBe('127.0.0.1');
  });
});
