import { connect } from 'node:net';
import { Broker } from '@app/messaging';
import { createTestDatabase, freePort, testPool, waitFor, type TestDatabase } from '@app/messaging/testing';
import { recordFaultReport, sized } from '@app/messaging/testing/faults';
import type pg from 'pg';
import { callerHeaders, send, type HostileResponse } from '../../apps/order-api/test/hostile/http-client.js';
import { startOrderApiProcess, type OrderApiProcess } from './hostile/order-api-process.js';

const body = (quantity = 1) => JSON.stringify({ email: 'a@example.com', currency: 'EUR', items: [{ sku: 'a', quantity, unitPrice: '1.00' }] });
/** Each key is sent by a customer of its own (its token's sub), so the ledger counts orders per key. */
const customerOf = (key: string) => `c-${key}`;

/** One POST /orders with an Idempotency-Key; a connection the API dropped (it was killed) is null: outcome unknown. */
const place = (base: string, key: string, quantity = 1): Promise<HostileResponse | null> =>
  send(base, {
    method: 'POST',
    path: '/orders',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: body(quantity),
    caller: customerOf(key),
  }).catch(() => null);

/** Writes a whole POST /orders on a raw socket and closes it at once, never reading the answer. */
async function sendAndHangUp(base: string, key: string): Promise<void> {
  const { hostname, port } = new URL(base);
  const payload = body();
  const socket = connect(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  const request =
    `POST /orders HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nIdempotency-Key: ${key}\r\n` +
    Object.entries(callerHeaders(customerOf(key))).map(([name, value]) => `${name}: ${value}\r\n`).join('') +
    `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
  await new Promise<void>((resolve) => socket.end(request, () => resolve()));
  socket.destroy();
}

describe('T17 API idempotency keys: concurrent repeats, a retry after SIGKILL mid-request, another body', () => {
  let ordersDb: TestDatabase;
  let brokerDb: TestDatabase;
  let orders: pg.Pool;
  let api: OrderApiProcess;
  let port: string;
  const kills = { SIGKILL: 0 };

  const start = async () => {
    api = await startOrderApiProcess({ ORDERS_DATABASE_URL: ordersDb.url, BROKER_DATABASE_URL: brokerDb.url, PORT: port });
  };
  const kill = async () => {
    api.process.kill('SIGKILL');
    await api.process.exited;
    kills.SIGKILL++;
  };
  const ordersOf = async (key: string) =>
    (await orders.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE customer_id = $1', [customerOf(key)])).rows[0].n;

  beforeAll(async () => {
    ordersDb = await createTestDatabase('t17_orders');
    brokerDb = await createTestDatabase('t17_broker');
    const broker = await Broker.connect({ connectionString: brokerDb.url, poolSize: 1 });
    await broker.declareQueue('t17.sink', { deadLetterQueue: null });
    await broker.bindQueue('t17.sink', 'order.#');
    await broker.close();
    orders = testPool(ordersDb.url, 2);
    port = String(await freePort());
    await start();
  }, 120_000);
  afterAll(async () => {
    api?.process.kill('SIGKILL');
    await api?.process.exited;
    await orders?.end();
    await ordersDb?.drop();
    await brokerDb?.drop();
  });

  it('keeps one order per key, replays the first response, and refuses another body with 409', async () => {
    const started = Date.now();
    const statuses: Record<string, number> = {};
    const count = (response: HostileResponse | null) => {
      const status = response === null ? 'dropped' : String(response.status);
      statuses[status] = (statuses[status] ?? 0) + 1;
    };
    const firstResponses = new Map<string, HostileResponse>();

    // 1. The same key 5× at once, for many keys: all five get the one order.
    const concurrentKeys = Array.from({ length: sized(5, 40) }, (_, i) => `concurrent-${i}`);
    for (const key of concurrentKeys) {
      const responses = await Promise.all(Array.from({ length: 5 }, () => place(api.base, key)));
      responses.forEach(count);
      expect(responses.map((r) => r?.status)).toEqual([201, 201, 201, 201, 201]);
      expect(new Set(responses.map((r) => r!.json.id)).size).toBe(1);
      firstResponses.set(key, responses[0]!);
    }

    // 2. SIGKILL while the request is inside its transaction: the test holds a lock on the orders table, so the
    // API's transaction (idempotency key row written, order insert waiting) is in flight when it dies.
    const lockedKeys = Array.from({ length: sized(2, 5) }, (_, i) => `killed-in-transaction-${i}`);
    for (const key of lockedKeys) {
      const lock = await orders.connect();
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE orders IN EXCLUSIVE MODE');
      const inFlight = place(api.base, key);
      // Polled from another session: pg_stat_activity is a snapshot per transaction, and the lock's is open.
      await waitFor(
        async () =>
          (await orders.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO \"orders\"%'")).rows
            .length > 0,
        { what: 'the API to wait on the orders lock' },
      );
      await kill();
      await lock.query('COMMIT');
      lock.release();
      const lost = await inFlight;
      count(lost);
      expect(lost).toBeNull();
      await start();
      const retry = await place(api.base, key);
      count(retry);
      expect(retry?.status).toBe(201);
      expect(await ordersOf(key)).toBe(1);
      firstResponses.set(key, retry!);
    }

    // 2b. The answer lost on the way back (the client's connection cut once the request is sent): the API commits,
    // and the retry gets the stored response, not a second order.
    const cutKeys = Array.from({ length: sized(2, 5) }, (_, i) => `answer-lost-${i}`);
    for (const key of cutKeys) {
      await sendAndHangUp(api.base, key);
      await waitFor(async () => (await ordersOf(key)) === 1, { what: `the order of ${key} to commit` });
      const retry = await place(api.base, key);
      count(retry);
      expect(retry?.status).toBe(201);
      expect(await ordersOf(key)).toBe(1);
      firstResponses.set(key, retry!);
    }

    // 3. SIGKILL at a random moment of the request (before it is read, in the transaction, after the commit and
    // before the answer): the retry after the restart gets one order, new or replayed.
    // The kill lands uniformly within twice the time a request takes, so it hits each of those moments.
    const timed = Date.now();
    count(await place(api.base, 'timing-probe'));
    const requestMs = Math.max(5, Date.now() - timed);
    const randomKeys = Array.from({ length: sized(3, 12) }, (_, i) => `killed-at-random-${i}`);
    const outcomes = { answered: 0, committedUnanswered: 0, notCommitted: 0 };
    for (const key of randomKeys) {
      const inFlight = place(api.base, key);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 2 * requestMs)));
      await kill();
      const first = await inFlight;
      count(first);
      if (first !== null) outcomes.answered++;
      else if ((await ordersOf(key)) === 1) outcomes.committedUnanswered++;
      else outcomes.notCommitted++;
      await start();
      const retry = await place(api.base, key);
      count(retry);
      expect(retry?.status).toBe(201);
      if (first?.status === 201) expect(retry!.json).toEqual(first.json);
      expect(await ordersOf(key)).toBe(1);
      firstResponses.set(key, first?.status === 201 ? first : retry!);
    }

    // 4. Every key again: the same body replays the stored first response; another body is a 409.
    let conflicts = 0;
    for (const [key, first] of firstResponses) {
      const replay = await place(api.base, key);
      count(replay);
      expect([key, replay?.status, replay?.json]).toEqual([key, 201, first.json]);
      const other = await place(api.base, key, 2);
      count(other);
      expect([key, other?.status]).toEqual([key, 409]);
      conflicts++;
    }

    // The ledger: one order per key, no order without a key.
    const perKey = await orders.query<{ customer_id: string; n: number }>('SELECT customer_id, count(*)::int AS n FROM orders GROUP BY customer_id');
    const keys = [...firstResponses.keys(), 'timing-probe'];
    const byCustomer = new Map(perKey.rows.map((r) => [r.customer_id, r.n]));
    const lost = keys.filter((k) => !byCustomer.has(customerOf(k))).length;
    const duplicateEffects = keys.filter((k) => (byCustomer.get(customerOf(k)) ?? 0) > 1).length;
    const unexpected = perKey.rows.filter((r) => !keys.some((k) => customerOf(k) === r.customer_id)).length;
    const idempotencyRows = (await orders.query<{ n: number }>('SELECT count(*)::int AS n FROM idempotency_keys')).rows[0].n;
    expect({ lost, duplicateEffects, unexpected, idempotencyRows }).toEqual({ lost: 0, duplicateEffects: 0, unexpected: 0, idempotencyRows: keys.length });

    recordFaultReport({
      id: 'T17',
      title: 'API idempotency keys',
      schedule:
        `${concurrentKeys.length} keys each sent 5× at once; ${lockedKeys.length} requests SIGKILLed inside their transaction (held on a table lock); ` +
        `${cutKeys.length} whose answer was lost (the client hung up once the request was sent)` +
        `; ${randomKeys.length} SIGKILLed at a random moment (0 to twice a request's ${requestMs} ms), each retried after the restart; then every key again with the same body and with another`,
      profile: sized('smoke', 'full'),
      durationSeconds: (Date.now() - started) / 1000,
      figures: {
        attempted: keys.length,
        acknowledged: keys.length,
        delivered: keys.length,
        lost,
        unexpected,
        duplicatedDeliveries: 0,
        duplicateEffects,
        recovered: outcomes.committedUnanswered + outcomes.notCommitted + lockedKeys.length + cutKeys.length,
        leaseOverlaps: 0,
        staleAcksAccepted: 0,
        faults: { ...kills, 'answer-lost': cutKeys.length },
        extra: {
          statuses: JSON.stringify(statuses),
          conflictsRefused: conflicts,
          requestMs,
          killedAnswered: outcomes.answered,
          killedCommittedUnanswered: outcomes.committedUnanswered,
          killedNotCommitted: outcomes.notCommitted,
        },
      },
    });
  }, 900_000);
});
