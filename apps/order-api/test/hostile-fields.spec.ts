import { connect } from 'node:net';
import { describeRefusals, order, orderWithItem, postJson, type RefusalCase } from './hostile/cases.js';
import { startHostileOrderApi, type HostileOrderApi } from './hostile/order-api-fixture.js';

/** Strings that break code which builds SQL, LIKE patterns, paths or text by hand. */
const INJECTIONS: [string, unknown][] = [
  ['a SQL tautology', "' OR '1'='1"],
  ['a DROP TABLE', "x'); DROP TABLE orders;--"],
  ['a stacked pg_sleep', '1; SELECT pg_sleep(10)'],
  ['LIKE wildcards', '%_%'],
  ['a backslash', '\\'],
  ['a NUL byte', 'a\u0000b'],
  ['a lone surrogate', 'a\ud800b'],
  ['an emoji', '\u{1F600}'],
  ['right-to-left override', 'a\u202eb'],
  ['HTML', '<script>alert(1)</script>'],
  ['a JNDI lookup', '${jndi:ldap://x/a}'],
  ['a path', '../../etc/passwd'],
  ['a NoSQL operator object', { $gt: '' }],
  ['an array', ['a']],
  ['a number', 1],
  ['null', null],
  ['a boolean', true],
];

const FIELDS: [string, (value: unknown) => Record<string, unknown>, RegExp][] = [
  ['customerId', (v) => order({ customerId: v }), /customerId/],
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
    request: { path: `/orders?customerId=c&limit=${q(limit)}` },
    status: 400,
    reason: /limit/,
  })),
  { name: 'GET /orders?limit=1&limit=2 (an array)', request: { path: '/orders?customerId=c&limit=1&limit=2' }, status: 400, reason: /limit/ },
  { name: 'GET /orders with customerId given twice', request: { path: '/orders?customerId=a&customerId=b' }, status: 400, reason: /customerId/ },
  { name: 'GET /orders with cursor given twice', request: { path: '/orders?customerId=c&cursor=a&cursor=b' }, status: 400, reason: /cursor/ },
  { name: 'GET /orders with no customerId', request: { path: '/orders' }, status: 400, reason: /customerId/ },
  { name: 'GET /orders with a broken percent escape', request: { path: '/orders?customerId=%E0%A4%A' }, status: 400, reason: /customerId/ },
  { name: 'GET /orders with a garbage cursor', request: { path: '/orders?customerId=c&cursor=garbage' }, status: 400, reason: /cursor/ },
  { name: 'GET /orders with a cursor of 10 KB', request: { path: `/orders?customerId=c&cursor=${'A'.repeat(10_000)}` }, status: 400, reason: /cursor/ },
  { name: 'GET /orders with a 20 KB query string (431 from Node)', request: { path: `/orders?customerId=${'c'.repeat(20_000)}` }, status: 431, bare: true },
  ...INJECTIONS.filter(([, v]) => typeof v === 'string').map(([what, value]): RefusalCase => ({
    name: `GET /orders?customerId= with ${what}`,
    request: { path: `/orders?customerId=${q(value as string)}` },
    status: 400,
    reason: /customerId/,
  })),
  ...INJECTIONS.filter(([, v]) => typeof v === 'string').map(([what, value]): RefusalCase => ({
    name: `GET /orders?cursor= with ${what}`,
    request: { path: `/orders?customerId=c&cursor=${q(value as string)}` },
    status: 400,
    reason: /cursor/,
  })),
  ...INJECTIONS.filter(([, v]) => typeof v === 'string').map(([what, value]): RefusalCase => ({
    name: `GET /orders/:id with ${what}`,
    request: { path: `/orders/${q(value as string)}` },
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

  it('answers a NUL byte in a header with 400 from Node, and stays up', async () => {
    const before = await api.counts();
    const socket = connect(api.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(`POST /orders HTTP/1.1\r\nHost: x\r\nIdempotency-Key: a\u0000b\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
    await closed;
    expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 400 /);
    expect(await api.counts()).toEqual(before);
    expect((await api.send({ path: '/health/live' })).status).toBe(200);
  });

  it('stores an order whose fields hold every character the rules allow, as they are (a control)', async () => {
    const response = await api.send(postJson(order({ customerId: 'A-z_0.9:x', items: [{ sku: 'A-z_0.9', quantity: 10_000, unitPrice: '999999999999.99' }] })));
    expect(response.status).toBe(201);
    const { rows } = await api.orders.query('SELECT customer_id FROM orders WHERE id = $1', [response.json.id]);
    expect(rows).toEqual([{ customer_id: 'A-z_0.9:x' }]);
  });
});
