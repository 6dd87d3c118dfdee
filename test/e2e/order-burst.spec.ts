import { setTimeout as pause } from 'node:timers/promises';
import type pg from 'pg';
import type { RunningSystem } from '../../scripts/system/start-system.js';
import { bearer } from '../../apps/order-api/test/customer-tokens.js';
import { startSystemOnOwnPostgres, type SystemOnOwnPostgres } from './system-on-own-postgres.js';

const ORDERS = 300;
const POLL_MS = 100;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

describe('order completion under an HTTP burst', () => {
  let running: SystemOnOwnPostgres;
  let system: RunningSystem;
  let orders: pg.Pool;
  let payments: pg.Pool;

  beforeAll(async () => {
    // A server of its own: three apps with their pools are more connections than a shared server should give.
    running = await startSystemOnOwnPostgres('burst', () => undefined);
    ({ system, orders, payments } = running);
  }, 120_000);
  afterAll(() => running?.stop(), 60_000);

  it(`finalises orders while ${ORDERS} clients place an order at once and poll it every ${POLL_MS} ms`, async () => {
    const count = async (pool: pg.Pool, sql: string) => (await pool.query<{ n: number }>(sql)).rows[0].n;
    const samples: { payments: number; final: number }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({
          payments: await count(payments, 'SELECT count(*)::int AS n FROM payments'),
          final: await count(orders, `SELECT count(*)::int AS n FROM orders WHERE status <> 'pending'`),
        });
        await pause(100); // the sampling period
      }
    })();

    const client = async (n: number): Promise<number> => {
      const headers = bearer(`burst-${n}`, system.orderApiAuth);
      const started = Date.now();
      const response = await fetch(`${system.orderApiUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ email: `b${n}@example.com`, currency: 'EUR', items: [{ sku: 'mug', quantity: 1, unitPrice: '7.00' }] }),
      });
      expect(response.status).toBe(201);
      const { id } = (await response.json()) as { id: string };
      for (;;) {
        const { status } = (await (await fetch(`${system.orderApiUrl}/orders/${id}`, { headers })).json()) as { status: string };
        if (status !== 'pending') return Date.now() - started;
        await pause(POLL_MS); // the client's polling interval
      }
    };
    const latencies = await Promise.all(Array.from({ length: ORDERS }, (_, n) => client(n)));
    sampling = false;
    await sampler;

    latencies.sort((a, b) => a - b);
    const whenMostPaid = samples.find((s) => s.payments >= ORDERS * 0.8) ?? samples[samples.length - 1];
    console.log(
      `${ORDERS} orders at once, polled every ${POLL_MS} ms: POST -> final p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, ` +
        `max ${latencies[latencies.length - 1]} ms; when ${whenMostPaid.payments} payments were made, ${whenMostPaid.final} orders were final`,
    );
    // The order service's consumer keeps pace with the payments while HTTP is saturated.
    expect(whenMostPaid.final).toBeGreaterThanOrEqual(whenMostPaid.payments * 0.5);
  }, 180_000);
});
