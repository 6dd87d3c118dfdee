import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { Broker, PayloadNotSerializableError, PayloadTooLargeError, type Delivery } from '@app/messaging';
import { createTestDatabase, testPool, waitFor, type TestDatabase } from '@app/messaging/testing';
import { recordFaultReport, sized } from '@app/messaging/testing/faults';
import { chunks, send, type HostileRequest } from '../../apps/order-api/test/hostile/http-client.js';
import { probe, residentMemoryMb, startOrderApiProcess, type OrderApiProcess } from './hostile/order-api-process.js';

/** The cap on the order API child's resident memory: its peak may grow this much over its idle size. */
const PEAK_RSS_GROWTH_CAP_MB = 128;

// The caller is the token's customer (send() adds callerHeaders()): the body names none.
const valid = JSON.stringify({ email: 'a@example.com', currency: 'EUR', items: [{ sku: 'a', quantity: 1, unitPrice: '1.00' }] });
const json = (body: string | Buffer, headers: Record<string, string | number> = {}): HostileRequest => ({
  method: 'POST',
  path: '/orders',
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

/** Each HTTP attack of T19 (docs/reliability.md), with the status it must get. */
function httpAttacks(): [string, () => HostileRequest, number][] {
  const zeros = Buffer.alloc(sized(10, 100) * 2 ** 20, '0');
  const gzip = gzipSync(zeros);
  const deflate = deflateSync(zeros);
  const br = brotliCompressSync(zeros);
  return [
    ['1 MB body', () => json(`{"email":"${'x'.repeat(2 ** 20)}"}`), 413],
    ['50 MB body, streamed', () => ({ ...json(''), body: chunks(800, 64 * 1024) }), 413],
    ['100,000 nested arrays', () => json(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), 413],
    ['30,000 nested arrays (within 64 KB)', () => json(`${'['.repeat(30_000)}${']'.repeat(30_000)}`), 400],
    [`gzip bomb (${zeros.length / 2 ** 20} MB of zeros)`, () => json(gzip, { 'content-encoding': 'gzip' }), 415],
    ['deflate bomb', () => json(deflate, { 'content-encoding': 'deflate' }), 415],
    ['brotli bomb', () => json(br, { 'content-encoding': 'br' }), 415],
    ['{"__proto__":{"isAdmin":true}}', () => json(`{"__proto__":{"isAdmin":true},${valid.slice(1)}`), 400],
    ['constructor.prototype', () => json(`{"constructor":{"prototype":{"isAdmin":true}},${valid.slice(1)}`), 400],
  ];
}

/** The same through the library: each a typed error, nothing stored. */
function publishAttacks(): [string, unknown, new (...args: never[]) => Error][] {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  return [
    ['1 MB payload', 'x'.repeat(2 ** 20), PayloadTooLargeError],
    ['50 MB payload', 'x'.repeat(50 * 2 ** 20), PayloadTooLargeError],
    ['100,000 nested arrays', deep, PayloadNotSerializableError],
    ['{"__proto__":{"isAdmin":true}}', JSON.parse('{"orderId":"x","__proto__":{"isAdmin":true}}'), PayloadNotSerializableError],
    ['constructor.prototype', JSON.parse('{"constructor":{"prototype":{"isAdmin":true}}}'), PayloadNotSerializableError],
  ];
}

describe('T19 payload limits and JSON bombs: refused at the edge, the app up, its memory bounded', () => {
  let ordersDb: TestDatabase;
  let brokerDb: TestDatabase;
  let broker: Broker;
  let api: OrderApiProcess;

  beforeAll(async () => {
    ordersDb = await createTestDatabase('t19_orders');
    brokerDb = await createTestDatabase('t19_broker');
    broker = await Broker.connect({ connectionString: brokerDb.url, poolSize: 2 });
    api = await startOrderApiProcess({ ORDERS_DATABASE_URL: ordersDb.url, BROKER_DATABASE_URL: brokerDb.url });
  }, 90_000);
  afterAll(async () => {
    api?.process.kill('SIGKILL');
    await api?.process.exited;
    await broker?.close();
    await ordersDb?.drop();
    await brokerDb?.drop();
  });

  it('refuses every bomb with a 4xx or a typed error, never restarts, and keeps its peak RSS within the cap', async () => {
    const started = Date.now();
    // Warm up with a valid order, so the idle size includes what a first request loads.
    expect((await send(api.base, json(valid))).status).toBe(201);
    const idle = residentMemoryMb(api.pid);

    const rounds = sized(2, 10);
    const statuses: Record<string, number> = {};
    let httpAttempted = 0;
    let accepted = 0;
    for (let round = 0; round < rounds; round++) {
      for (const [name, request, status] of httpAttacks()) {
        const response = await send(api.base, request()).catch((error: Error) => Promise.reject(new Error(`${name}: ${error.message}`)));
        httpAttempted++;
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status < 400) accepted++;
        expect([name, response.status]).toEqual([name, status]);
      }
    }
    const afterHttp = residentMemoryMb(api.pid);

    // Through publish(): typed errors before anything is stored.
    await broker.declareQueue('t19.sink', { deadLetterQueue: null });
    await broker.bindQueue('t19.sink', 'payment.#');
    let publishAttempted = 0;
    for (const [name, payload, type] of publishAttacks()) {
      publishAttempted++;
      const error = await broker.publish({ routingKey: 'payment.completed', payload }).then(() => null, (e: unknown) => e);
      expect([name, error]).toEqual([name, expect.any(type)]);
    }
    expect(await broker.queueStats('t19.sink')).toMatchObject({ ready: 0 });

    // What publish() lets through at its limits reaches the app's consumer: the largest payload (256 KiB) and the
    // deepest (1,000 levels), as payment events with no valid orderId. The app dead-letters each at once.
    let deep: unknown = 'x';
    for (let i = 0; i < 998; i++) deep = [deep];
    const heavy = sized(5, 50);
    for (let i = 0; i < heavy; i++) {
      await broker.publish([
        { routingKey: 'payment.completed', payload: { orderId: 'not-a-uuid', pad: 'p'.repeat(256 * 1024 - 40) } },
        { routingKey: 'payment.failed', payload: { orderId: deep } },
      ]);
    }
    const dlq = 'orders.payment-events.dlq';
    await waitFor(async () => (await broker.queueStats(dlq)).ready === 2 * heavy, { what: 'the heavy events to be dead-lettered', timeoutMs: 60_000 });
    const dead = await broker.browse(dlq, { limit: 2 * heavy });
    expect(new Set(dead.map((d: Delivery) => d.deaths[0]?.reason))).toEqual(new Set(['rejected']));
    const orders = testPool(ordersDb.url, 1);
    const { rows } = await orders.query<{ n: number }>("SELECT count(*)::int AS n FROM orders WHERE status <> 'pending'");
    await orders.end();
    expect(rows).toEqual([{ n: 0 }]);

    const end = residentMemoryMb(api.pid);
    const inside = await probe(api.process);
    expect((await send(api.ops, { path: '/health/live', caller: null })).status).toBe(200);
    // The one process started before the attacks answers after them: it never exited, so it never restarted.
    const restarts = api.process.child.exitCode === null && api.process.child.signalCode === null ? 0 : 1;
    expect({ polluted: inside.polluted, here: ({} as Record<string, unknown>).isAdmin, restarts }).toEqual({ polluted: false, here: undefined, restarts: 0 });
    console.log(`T19 memory (MB): idle ${JSON.stringify(idle)}, after HTTP ${JSON.stringify(afterHttp)}, end ${JSON.stringify(end)}, cap: peak ≤ idle + ${PEAK_RSS_GROWTH_CAP_MB}`);
    expect(end.peakRssMb - idle.rssMb).toBeLessThan(PEAK_RSS_GROWTH_CAP_MB);

    recordFaultReport({
      id: 'T19',
      title: 'Payload limits and JSON bombs',
      schedule:
        `${rounds} rounds of ${httpAttempted / rounds} HTTP attacks on the order API child (1 MB and 50 MB bodies, 100k-deep JSON, ` +
        'gzip/deflate/brotli bombs, __proto__ and constructor.prototype keys), the same payloads through publish(), then ' +
        `${2 * heavy} events at publish()'s limits (256 KiB, 1,000 levels) to the app's consumer`,
      profile: sized('smoke', 'full'),
      durationSeconds: (Date.now() - started) / 1000,
      figures: {
        attempted: httpAttempted + publishAttempted + 2 * heavy,
        acknowledged: accepted,
        delivered: 2 * heavy,
        lost: 0,
        unexpected: 0,
        duplicatedDeliveries: 0,
        duplicateEffects: 0,
        recovered: 0,
        leaseOverlaps: 0,
        staleAcksAccepted: 0,
        deadLettered: dead.length,
        faults: { 'hostile-http': httpAttempted, 'hostile-publish': publishAttempted, 'limit-sized-events': 2 * heavy },
        extra: {
          httpStatuses: JSON.stringify(statuses),
          idleRssMb: idle.rssMb,
          rssAfterHttpMb: afterHttp.rssMb,
          peakRssMb: end.peakRssMb,
          peakRssCapMb: idle.rssMb + PEAK_RSS_GROWTH_CAP_MB,
          processRestarts: restarts,
          prototypePolluted: inside.polluted ? 1 : 0,
        },
      },
    });
  }, 300_000);
});
