import { connect } from 'node:net';
import { describeRefusals, INJECTION_STRINGS, INJECTIONS, order, orderWithItem, postJson, type RefusalCase } from './hostile/cases.js';
import { callerHeaders } from './hostile/http-client.js';
import { startHostileOrderApi, type HostileOrderApi } from './hostile/order-api-fixture.js';

/** The customer is the token's: a customerId in the body, whatever it holds, is a field the client may not set. */
const NOT_SETTABLE_CUSTOMER = /^\["property customerId should not exist"\]$/;

const FIELDS: [string, (value: unknown) => Record<string, unknown>, RegExp][] = [
  ['customerId', (v) => order({ customerId: v }), NOT_SETTABLE_CUSTOMER],
  ['email', (v) => order({ email: v }), /email/],
  ['currency', (v) => order({ currency: v }), /currency/],
  ['items', (v) => order({ items: v }), /items/],
  ['items[0].sku', (v) => orderWithItem({ sku: v }), /sku/],
  ['items[0].quantity', (v) => orderWithItem({ quantity: v }), /quantity/],
  ['items[0].unitPrice', (v) => orderWithItem({ unitPrice: v }), /unitPrice/],
];

const bodyCases: RefusalCase[] = FIELDS.flatMap(([field, build, reason]) =>
  INJECTIONS.filter(([, value]) => !((field.endsWith('quantity') || field.endsWith('unitPrice')) && value === 1)).map(([what, value]): RefusalCase => ({
    name: `POST /orders with ${what} in ${field}`,
    request: postJson(build(value)),
    status: 400,
    reason,
  })),
);

const currencyCases: RefusalCase[] = ['eur', 'Eur', 'XXX', 'XAU', 'XTS', 'XYZ', 'XDR', 'EU', 'EURO', 'HRK', 'CUC', 'EU\u0000', '€', ''].map((currency) => ({
  name: `POST /orders in the currency ${JSON.stringify(currency)}`,
  request: postJson(order({ currency })),
  status: 400,
  reason: /currency/,
}));

/** Percent-encodes for a URL; a lone surrogate, which has no UTF-8 form, is sent as its raw 3 bytes (CESU-8). */
const q = (value: string) => encodeURIComponent(value.toWellFormed()).replaceAll('%EF%BF%BD', value.isWellFormed() ? '%EF%BF%BD' : '%ED%A0%80');
const queryCases: RefusalCase[] = [
  ...['-1', '0', '101', '1e2', '0x10', '2.0', ' 5', '+5', 'abc', '', '9'.repeat(30), 'Infinity', 'NaN', '1_000', '١٠'].map((limit) => ({
    name: `GET /orders?limit=${JSON.stringify(limit)}`,
    request: { path: `/orders?limit=${q(limit)}` },
    status: 400,
    reason: /limit/,
  })),
  { name: 'GET /orders?limit=1&limit=2 (an array)', request: { path: '/orders?limit=1&limit=2' }, status: 400, reason: /limit/ },
  { name: 'GET /orders with customerId given twice', request: { path: '/orders?customerId=a&customerId=b' }, status: 400, reason: /customerId/ },
  { name: 'GET /orders with customerId given twice, the caller first', request: { path: '/orders?customerId=cust-hostile&customerId=cust-victim' }, status: 400, reason: /customerId/ },
  { name: 'GET /orders with cursor given twice', request: { path: '/orders?cursor=a&cursor=b' }, status: 400, reason: /cursor/ },
  // The customer no longer comes from the query: with no token there is no one to list the orders of.
  { name: 'GET /orders with no customerId and no token', request: { path: '/orders', caller: null }, status: 401, reason: /bearer token is required/ },
  { name: 'GET /orders with a broken percent escape', request: { path: '/orders?customerId=%E0%A4%A' }, status: 400, reason: /customerId/ },
  { name: 'GET /orders with a garbage cursor', request: { path: '/orders?cursor=garbage' }, status: 400, reason: /cursor/ },
  { name: 'GET /orders with a cursor of 10 KB', request: { path: `/orders?cursor=${'A'.repeat(10_000)}` }, status: 400, reason: /cursor/ },
  { name: 'GET /orders with a 20 KB query string (431 from Node)', request: { path: `/orders?customerId=${'c'.repeat(20_000)}` }, status: 431, bare: true },
  ...INJECTION_STRINGS.map(([what, value]): RefusalCase => ({
    name: `GET /orders?customerId= with ${what}`,
    request: { path: `/orders?customerId=${q(value)}` },
    status: 400,
    reason: /customerId/,
  })),
  ...INJECTION_STRINGS.map(([what, value]): RefusalCase => ({
    name: `GET /orders?cursor= with ${what}`,
    request: { path: `/orders?cursor=${q(value)}` },
    status: 400,
    reason: /cursor/,
  })),
  ...INJECTION_STRINGS.map(([what, value]): RefusalCase => ({
    name: `GET /orders/:id with ${what}`,
    request: { path: `/orders/${q(value)}` },
    status: 400,
    // Express refuses a parameter that is not UTF-8 once decoded, before the UUID check.
    reason: /uuid|Failed to decode param/,
  })),
];

const routeCases: RefusalCase[] = [
  { name: 'GET an unknown route', request: { path: '/admin' }, status: 404 },
  { name: 'GET a path out of the root', request: { path: '/../../etc/passwd' }, status: 404 },
  { name: 'GET an encoded path out of the root', request: { path: '/orders/%2e%2e/%2e%2e/etc/passwd' }, status: 404 },
  { name: 'GET /orders/:id of a version-1 UUID', request: { path: '/orders/6ba7b810-9dad-11d1-80b4-00c04fd430c8' }, status: 400, reason: /uuid/ },
  { name: 'GET /orders/:id of an unknown order', request: { path: '/orders/3f1c2a4e-8b7d-4c6e-9f00-123456789abc' }, status: 404, reason: /does not exist/ },
  ...['DELETE', 'PUT', 'PATCH'].flatMap((method): RefusalCase[] => [
    { name: `${method} /orders`, request: { ...postJson(order()), method }, status: 404 },
    { name: `${method} /orders/:id`, request: { ...postJson(order()), method, path: '/orders/3f1c2a4e-8b7d-4c6e-9f00-123456789abc' }, status: 404 },
  ]),
  { name: 'POST /orders/:id', request: { ...postJson(order()), path: '/orders/3f1c2a4e-8b7d-4c6e-9f00-123456789abc' }, status: 404 },
  { name: 'POST /health', request: { ...postJson({}), path: '/health' }, status: 404 },
  { name: 'TRACE /orders', request: { method: 'TRACE', path: '/orders' }, status: 404 },
  { name: 'a method Node does not know (400 from Node)', request: { method: 'BREW', path: '/orders' }, status: 400, bare: true },
];

describe('order-api: hostile fields, queries and routes', () => {
  let api: HostileOrderApi;
  beforeAll(async () => {
    api = await startHostileOrderApi('hostile_fields');
  });
  afterAll(() => api.stop());

  describeRefusals('injection strings and wrong types in every body field', () => api, bodyCases);
  describeRefusals('currencies that are not active ISO 4217 codes', () => api, currencyCases);
  describeRefusals('odd query strings, page sizes and path parameters', () => api, queryCases);
  describeRefusals('unknown routes and methods', () => api, routeCases);

  it.each([
    ['Idempotency-Key', `${callerHeaders().authorization}\r\nIdempotency-Key: a\u0000b`],
    ['Authorization', `Bearer a\u0000b`],
    ['Authorization, after a valid token', `${callerHeaders().authorization}\u0000x`],
  ])('answers a NUL byte in the %s header with 400 from Node, and stays up', async (_header, authorization) => {
    const before = await api.counts();
    const socket = connect(api.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    const body = JSON.stringify(order());
    socket.write(`POST /orders HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    await closed;
    expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 400 /);
    expect(await api.counts()).toEqual(before);
    expect(await api.live()).toBe(200);
  });

  it('GET /orders?customerId= never lists another customer\'s orders: an empty page or 400, whatever it names', async () => {
    const victim = await api.send({ ...postJson(order()), caller: 'cust-victim' });
    const mine = await api.send(postJson(order()));
    expect([victim.status, mine.status]).toEqual([201, 201]);
    const asked = ['cust-victim', 'CUST-VICTIM', 'cust-victim%', 'cust-%', '%', '*', 'cust-victim%00', 'cust-victim%20', '%20cust-victim', 'cust-victim,cust-hostile', ...INJECTION_STRINGS.map(([, v]) => q(v))];
    const paths = [
      ...asked.map((value) => `/orders?customerId=${value}`),
      '/orders?customerId[]=cust-victim',
      '/orders?customerId[$ne]=x',
      '/orders?customerId=cust-victim&customerId=cust-hostile',
      `/orders?customerId=cust-victim&limit=100&cursor=`,
    ];
    const outcomes: Record<string, number> = {};
    for (const path of paths) {
      const response = await api.send({ path });
      const ids: string[] = response.status === 200 ? response.json.items.map((o: { id: string }) => o.id) : [];
      const outcome = response.status !== 200 ? String(response.status) : ids.length === 0 ? 'empty page' : 'own orders';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      expect([path, response.status === 400 || response.status === 200]).toEqual([path, true]);
      expect([path, response.text.includes(victim.json.id)]).toEqual([path, false]);
      // A page that is not empty holds the caller's own orders only (a parameter the API does not read).
      for (const id of ids) expect([path, id]).toEqual([path, mine.json.id]);
    }
    console.log(`GET /orders?customerId= hostile values: ${JSON.stringify(outcomes)}`);
    // And the victim's order by its id, asked by the caller: 404, as an unknown order.
    expect((await api.send({ path: `/orders/${victim.json.id}` })).status).toBe(404);
    expect((await api.send({ path: `/orders/${victim.json.id}`, caller: 'cust-victim' })).status).toBe(200);
  });

  it('stores an order whose fields hold every character the rules allow, as they are (a control)', async () => {
    const response = await api.send({ ...postJson(order({ items: [{ sku: 'A-z_0.9', quantity: 10_000, unitPrice: '999999999999.99' }] })), caller: 'A-z_0.9:x' });
    expect(response.status).toBe(201);
    const { rows } = await api.orders.query('SELECT customer_id FROM orders WHERE id = $1', [response.json.id]);
    expect(rows).toEqual([{ customer_id: 'A-z_0.9:x' }]);
  });
});
