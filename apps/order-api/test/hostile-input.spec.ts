import { connect, type Socket } from 'node:net';
import { bearer } from './customer-tokens.js';
import { callerHeaders } from './hostile/http-client.js';
import { REQUEST_TIMEOUT_MS, startHostileOrderApi, type HostileOrderApi } from './hostile/order-api-fixture.js';

// Response bodies are checked field by field: a loose type keeps the assertions readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

// The table-driven hostile suites are hostile-bodies, hostile-fields and hostile-idempotency; these are the cases
// that need more than one request or a raw socket.
describe('order-api refuses hostile input with a clear 4xx', () => {
  let api: HostileOrderApi;
  let base: string;
  let port: number;

  beforeAll(async () => {
    api = await startHostileOrderApi('hostile');
    ({ base, port } = api);
  });
  afterAll(() => api?.stop());

  const order = (overrides: Record<string, unknown> = {}) => ({
    email: 'ada@example.com',
    currency: 'EUR',
    items: [{ sku: 'book-1', quantity: 1, unitPrice: '12.50' }],
    ...overrides,
  });

  async function post(body: unknown) {
    const response = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { ...callerHeaders(), 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
  }

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`, { headers: callerHeaders() });
    return { status: response.status, body: (await response.json()) as Json };
  };

  const expectClean400 = (response: { status: number; body: Json }, reason: RegExp) => {
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.message)).toMatch(reason);
    expect(JSON.stringify(response.body)).not.toMatch(/\s{2,}at |\.ts:\d|SELECT |INSERT |node_modules|stack/i);
  };

  it('answers 400 for an order total beyond what the database can hold', async () => {
    // 100 lines of 10,000 × 999,999,999,999.999 KWD: 10^21 fils, over PostgreSQL's bigint.
    const items = Array.from({ length: 100 }, (_, i) => ({ sku: `gold-${i}`, quantity: 10_000, unitPrice: '999999999999.999' }));
    expectClean400(await post(order({ currency: 'KWD', items })), /total/);
  });

  it('answers 400 for text that is not valid Unicode (a lone surrogate)', async () => {
    expectClean400(await post(`{"email":"a\\ud800@example.com","currency":"EUR","items":[{"sku":"a","quantity":1,"unitPrice":"1"}]}`), /email/);
  });

  it('accepts active ISO 4217 codes with their minor units', async () => {
    const kwd = await post(order({ currency: 'KWD', items: [{ sku: 'a', quantity: 1, unitPrice: '1.125' }] }));
    expect([kwd.status, kwd.body.total]).toEqual([201, '1.125']);
    const clp = await post(order({ currency: 'CLP', items: [{ sku: 'a', quantity: 2, unitPrice: '990' }] }));
    expect([clp.status, clp.body.total]).toEqual([201, '1980']);
  });

  it('reads limit=100 and limit=1 as the numbers they are, and refuses a limit given twice', async () => {
    expect(await get('/orders?customerId=cust-hostile&limit=100')).toMatchObject({ status: 200 });
    expect((await get('/orders?customerId=cust-hostile&limit=1')).body.items).toHaveLength(1);
    expectClean400(await get('/orders?customerId=cust-hostile&limit=5&limit=6'), /limit/);
  });

  it('does not announce its framework (no x-powered-by)', async () => {
    const response = await fetch(`${base}/orders?customerId=c`, { headers: callerHeaders() });
    expect(response.headers.get('x-powered-by')).toBeNull();
    const created = await post(order());
    expect(created.headers.get('x-powered-by')).toBeNull();
  });

  it('ends a request whose body stops short of its Content-Length: 408, then the socket closes', async () => {
    const socket: Socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    await new Promise((resolve) => socket.once('connect', resolve));
    const started = Date.now();
    socket.write(`POST /orders HTTP/1.1\r\nHost: x\r\nAuthorization: ${bearer('cust-hostile').authorization}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"email":`);
    const closedAt = await closed;
    expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408 /);
    // Liveness bound only: the check runs every second, so it ends within about two timeouts, never minutes.
    expect(closedAt - started).toBeLessThan(REQUEST_TIMEOUT_MS + 5_000);
  });
});
