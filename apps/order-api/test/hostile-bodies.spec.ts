import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describeRefusals, order, orderWithItem, postJson, type RefusalCase } from './hostile/cases.js';
import { chunks } from './hostile/http-client.js';
import { startHostileOrderApi, type HostileOrderApi } from './hostile/order-api-fixture.js';

/** 10 MB of zeros: about 10 KB compressed, a bomb for a server that inflates without a limit. */
const ZEROS = Buffer.alloc(10 * 2 ** 20, '0');
const bomb = (encoding: string, compressed: Buffer): RefusalCase => ({
  name: `a ${encoding} bomb (10 MB of zeros in ${Math.round(compressed.length / 1024)} KB): 415, not inflated`,
  request: { method: 'POST', path: '/orders', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: compressed },
  status: 415,
  reason: /encoding/,
});
const valid = JSON.stringify(order());

const cases: RefusalCase[] = [
  { name: 'malformed JSON', request: postJson('{"customerId": '), status: 400 },
  { name: 'JSON with trailing text', request: postJson(`${valid}x`), status: 400 },
  { name: 'single-quoted JSON', request: postJson("{'customerId':'c'}"), status: 400 },
  { name: 'an empty JSON body', request: postJson(''), status: 400 },
  { name: 'a JSON null', request: postJson('null'), status: 400 },
  { name: 'a JSON array', request: postJson('[]'), status: 400 },
  { name: 'a JSON string', request: postJson('"order"'), status: 400 },
  { name: 'a JSON number', request: postJson('42'), status: 400 },
  { name: 'bytes that are not UTF-8', request: postJson(Buffer.concat([Buffer.from('{"customerId":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')])), status: 400 },
  { name: 'a 1 MB body (a 1 MB customerId: its size is refused before its fields are read)', request: postJson(order({ customerId: 'x'.repeat(2 ** 20) })), status: 413, reason: /too large/ },
  {
    name: 'a 50 MB body streamed with Content-Length',
    request: { method: 'POST', path: '/orders', headers: { 'content-type': 'application/json', 'content-length': 50 * 2 ** 20 }, body: chunks(800, 64 * 1024) },
    status: 413,
    reason: /too large/,
  },
  {
    name: 'a 50 MB body streamed chunked (no Content-Length)',
    request: { method: 'POST', path: '/orders', headers: { 'content-type': 'application/json' }, body: chunks(800, 64 * 1024) },
    status: 413,
    reason: /too large/,
  },
  { name: '100,000 nested arrays (200 KB)', request: postJson(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), status: 413 },
  { name: '30,000 nested arrays (60 KB, within the size limit)', request: postJson(`${'['.repeat(30_000)}${']'.repeat(30_000)}`), status: 400, reason: /nested/ },
  { name: '33 nested objects in an item', request: postJson(orderWithItem({ sku: JSON.parse(`${'{"a":'.repeat(33)}1${'}'.repeat(33)}`) })), status: 400, reason: /nested/ },
  bomb('gzip', gzipSync(ZEROS)),
  bomb('deflate', deflateSync(ZEROS)),
  bomb('br', brotliCompressSync(ZEROS)),
  { ...bomb('gzip', gzipSync(valid)), name: 'a gzip-encoded valid order: 415 (the API takes no compressed bodies)' },
  { ...bomb('x-unknown', Buffer.from(valid)), name: 'an unknown Content-Encoding: 415' },
  { name: 'a __proto__ key', request: postJson(`{"__proto__":{"isAdmin":true},${valid.slice(1)}`), status: 400, reason: /__proto__/ },
  { name: 'a __proto__ key in an item', request: postJson(valid.replace('{"sku"', '{"__proto__":{"isAdmin":true},"sku"')), status: 400, reason: /__proto__/ },
  { name: 'a __proto__ key written with an escape', request: postJson(`{"\\u005f_proto__":{"isAdmin":true},${valid.slice(1)}`), status: 400, reason: /__proto__/ },
  { name: 'a constructor.prototype key', request: postJson(`{"constructor":{"prototype":{"isAdmin":true}},${valid.slice(1)}`), status: 400, reason: /constructor/ },
  { name: 'a quantity beyond 2^53', request: postJson(valid.replace('"quantity":1', '"quantity":9007199254740993')), status: 400, reason: /quantity/ },
  { name: 'a price beyond 2^53', request: postJson(valid.replace('"unitPrice":"12.50"', '"unitPrice":9007199254740993')), status: 400, reason: /unitPrice/ },
  { name: 'a price of 1e309 (Infinity once parsed)', request: postJson(valid.replace('"unitPrice":"12.50"', '"unitPrice":1e309')), status: 400, reason: /unitPrice/ },
  { name: 'a quantity of 1e309', request: postJson(valid.replace('"quantity":1', '"quantity":1e309')), status: 400, reason: /quantity/ },
  { name: 'a quantity of -1e309', request: postJson(valid.replace('"quantity":1', '"quantity":-1e309')), status: 400, reason: /quantity/ },
  { name: 'a price as a 30-digit string', request: postJson(orderWithItem({ unitPrice: '9'.repeat(30) })), status: 400, reason: /unitPrice/ },
  { name: '10,000 items', request: postJson(order({ items: Array.from({ length: 10_000 }, () => ({ sku: 'a', quantity: 1, unitPrice: 1 })) })), status: 413 },
  { name: '101 items', request: postJson(order({ items: Array.from({ length: 101 }, () => ({ sku: 'a', quantity: 1, unitPrice: 1 })) })), status: 400, reason: /items/ },
  { name: 'a 1 MB string in email', request: postJson(order({ email: `${'a'.repeat(2 ** 20)}@example.com` })), status: 413 },
  { name: 'a 60 KB customerId (a field the client may not set)', request: postJson(order({ customerId: 'c'.repeat(60_000) })), status: 400, reason: /^\["property customerId should not exist"\]$/ },
  { name: 'a 60 KB email', request: postJson(order({ email: `${'a'.repeat(60_000)}@example.com` })), status: 400, reason: /email/ },
  { name: 'a 60 KB sku', request: postJson(orderWithItem({ sku: 's'.repeat(60_000) })), status: 400, reason: /sku/ },
  { name: 'a field the client may not set (status)', request: postJson(order({ status: 'paid' })), status: 400, reason: /property status / },
  { name: 'a field the client may not set (total)', request: postJson(order({ total: '0.01' })), status: 400, reason: /property total / },
  { name: 'a field the client may not set (customerId: the token says who the customer is)', request: postJson(order({ customerId: 'cust-other' })), status: 400, reason: /property customerId / },
  { name: 'a field the client may not set (customerId, the caller\'s own)', request: postJson(order({ customerId: 'cust-hostile' })), status: 400, reason: /property customerId / },
  { name: 'a field the client may not set (id)', request: postJson(order({ id: '3f1c2a4e-8b7d-4c6e-9f00-123456789abc' })), status: 400, reason: /property id / },
  ...['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/problem+json', 'application/octet-stream'].map(
    (type): RefusalCase => ({
      name: `a JSON order sent as ${type}: 415`,
      request: { method: 'POST', path: '/orders', headers: { 'content-type': type }, body: valid },
      status: 415,
      reason: /application\/json/,
    }),
  ),
  { name: 'a JSON order with no Content-Type: 415', request: { method: 'POST', path: '/orders', body: valid }, status: 415, reason: /application\/json/ },
  { name: 'a JSON order in UTF-16: 415', request: { method: 'POST', path: '/orders', headers: { 'content-type': 'application/json; charset=utf-16' }, body: Buffer.from(valid, 'utf16le') }, status: 415, reason: /charset/ },
  { name: 'a POST with no body', request: { method: 'POST', path: '/orders', headers: { 'content-type': 'application/json' } }, status: 400 },
  { name: 'a Content-Length over the limit, with no body sent', request: { method: 'POST', path: '/orders', headers: { 'content-type': 'application/json', 'content-length': 2 ** 30 }, body: chunks(0, 1) }, status: 413 },
];

describe('order-api: hostile request bodies', () => {
  let api: HostileOrderApi;
  beforeAll(async () => {
    api = await startHostileOrderApi('hostile_bodies');
  });
  afterAll(() => api.stop());

  describeRefusals('each refused with a clear 4xx, nothing written, the app up', () => api, cases);

  it('leaves Object.prototype untouched after the __proto__ and constructor.prototype bodies', async () => {
    for (const body of [`{"__proto__":{"isAdmin":true},${valid.slice(1)}`, `{"constructor":{"prototype":{"isAdmin":true}},${valid.slice(1)}`]) {
      await api.send(postJson(body));
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('isAdmin');
  });

  it('still takes a valid order after all of it (a control: the refusals are not a broken API)', async () => {
    const response = await api.send(postJson(order()));
    expect(response.status).toBe(201);
    expect(response.json).toMatchObject({ total: '12.50', currency: 'EUR' });
  });
});
