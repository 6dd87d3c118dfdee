import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { INestApplication } from '@nestjs/common';
import { Broker, OpsListener } from '@app/messaging';
import { createTestDatabase, testPool, waitFor, type TestDatabase } from '@app/messaging/testing';
import type pg from 'pg';
import { createOrderApi } from '../../src/app.js';
import { TEST_AUTH } from '../customer-tokens.js';
import { LEAK, send, type HostileRequest, type HostileResponse } from './http-client.js';

/** What a request may have written: compared before and after every refused request. */
export interface WriteCounts {
  orders: number;
  orderItems: number;
  idempotencyKeys: number;
  /**
   * Messages written to the outbox: counted in the broker's sink queue once the relay has emptied the outbox (the
   * relay commits in the broker before it deletes the outbox row, so a count of both at once could see a message twice).
   */
  outbox: number;
}

export interface HostileOrderApi {
  base: string;
  port: number;
  /** The ops listener (health and metrics), on a port of its own. */
  ops: string;
  ordersDb: TestDatabase;
  /** A broker on the API's broker database, for the test's own publishes. */
  broker: Broker;
  orders: pg.Pool;
  send(request: HostileRequest): Promise<HostileResponse>;
  counts(): Promise<WriteCounts>;
  /** The status of GET /health/live on the ops port: 200 while the app is up. */
  live(): Promise<number>;
  stop(): Promise<void>;
}

/** A request timeout short enough for a test; the apps' default is in http-server-limits.ts. */
export const REQUEST_TIMEOUT_MS = 1_000;

/**
 * The order API in this process on databases of its own, with a sink queue bound to everything so that what the
 * relay moves to the broker stays countable.
 */
export async function startHostileOrderApi(label: string): Promise<HostileOrderApi> {
  const ordersDb = await createTestDatabase(`orders_${label}`);
  const brokerDb = await createTestDatabase(`broker_${label}`);
  const broker = await Broker.connect({ connectionString: brokerDb.url, poolSize: 1 });
  await broker.declareQueue('test.sink', { deadLetterQueue: null });
  await broker.bindQueue('test.sink', 'order.#');
  let app: INestApplication;
  try {
    app = await createOrderApi(
      { port: 0, opsPort: 0, opsHost: '127.0.0.1', ordersDatabaseUrl: ordersDb.url, brokerDatabaseUrl: brokerDb.url, auth: TEST_AUTH },
      { logger: false, requestTimeoutMs: REQUEST_TIMEOUT_MS },
    );
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await broker.close();
    throw error;
  }
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const ops = app.get(OpsListener).url;
  const orders = testPool(ordersDb.url, 2);
  const count = async (sql: string) => (await orders.query<{ n: number }>(sql)).rows[0].n;
  return {
    base,
    port: Number(new URL(base).port),
    ops,
    ordersDb,
    broker,
    orders,
    send: (request) => send(base, request),
    counts: async () => ({
      orders: await count('SELECT count(*)::int AS n FROM orders'),
      orderItems: await count('SELECT count(*)::int AS n FROM order_items'),
      idempotencyKeys: await count('SELECT count(*)::int AS n FROM idempotency_keys'),
      outbox: await waitFor(async () => (await count('SELECT count(*)::int AS n FROM messaging.outbox')) === 0, { what: 'the relay to empty the outbox' }).then(
        async () => (await broker.queueStats('test.sink')).ready,
      ),
    }),
    live: async () => (await send(ops, { path: '/health/live', caller: null })).status,
    stop: async () => {
      await app.close();
      await orders.end();
      await broker.close();
      await ordersDb.drop();
      await brokerDb.drop();
    },
  };
}

/** Asserts a clear refusal: the status, a JSON body saying why (matching `reason`), and nothing internal in it. */
export function expectRefusal(response: HostileResponse, status: number, reason?: RegExp): void {
  expect({ status: response.status, body: response.text.slice(0, 300) }).toEqual({ status, body: expect.any(String) });
  expect(response.json).toMatchObject({ statusCode: status });
  if (reason) expect(JSON.stringify(response.json.message)).toMatch(reason);
  expectNoLeak(response);
}

/** Nothing internal in the body: no stack, path, SQL or table name (LEAK), and never the key that signs tokens. */
export function expectNoLeak(response: HostileResponse): void {
  expect(response.text).not.toMatch(LEAK);
  expect(response.text).not.toContain(TEST_AUTH.secret);
}

/** A full garbage collection, so that heap figures compare what is live, not what is waiting to be collected. */
export const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

export interface MemorySample {
  rssMb: number;
  heapUsedMb: number;
}

export function sampleMemory(): MemorySample {
  collectGarbage();
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMb: Math.round(rss / 2 ** 20), heapUsedMb: Math.round(heapUsed / 2 ** 20) };
}
