import { setTimeout as pause } from 'node:timers/promises';
import type pg from 'pg';
import { waitFor, type RunningPostgres } from '@app/messaging/testing';
import type { RunningSystem } from '../../scripts/system/start-system.js';
import { bearer } from '../../apps/order-api/test/customer-tokens.js';
import { startSystemOnOwnPostgres, type SystemOnOwnPostgres } from './system-on-own-postgres.js';

const CRASHES = 6;

describe('the order system through repeated PostgreSQL crashes (kill -9 of the postmaster)', () => {
  let running: SystemOnOwnPostgres;
  let server: RunningPostgres;
  let system: RunningSystem;
  let orders: pg.Pool;
  let payments: pg.Pool;
  const logs: string[] = [];

  beforeAll(async () => {
    // A server of its own, since the test kills it.
    running = await startSystemOnOwnPostgres('crashes', (line) => logs.push(line));
    ({ server, system, orders, payments } = running);
  }, 120_000);
  afterAll(() => running?.stop(), 60_000);

  it('keeps every process up, and every accepted order ends paid or payment_failed with one payment', async () => {
    const died: string[] = [];
    for (const service of system.services) {
      const output = () => logs.filter((line) => line.includes(`${service.name} `)).slice(-80).join('\n');
      void service.exited.then((code) => died.push(`${service.name} exited with ${code}:\n${output()}`));
    }

    // Places orders one after another, all the time; an order counts once the API answered 201.
    const accepted: string[] = [];
    let placing = true;
    const placer = (async () => {
      for (let n = 0; placing; n++) {
        const customerId = n % 5 === 0 ? `decline-${n}` : `cust-${n}`;
        const response = await fetch(`${system.orderApiUrl}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(customerId, system.orderApiAuth) },
          body: JSON.stringify({ email: `c${n}@example.com`, currency: 'EUR', items: [{ sku: 'tea', quantity: 1, unitPrice: '4.20' }] }),
          signal: AbortSignal.timeout(5_000),
        }).catch(() => null);
        if (response?.status === 201) accepted.push(((await response.json()) as { id: string }).id);
        else await response?.text();
        await pause(20); // pacing of the load, not a wait for an outcome
      }
    })();

    // The first crash right after boot, one right after a restart, the others once some orders went through.
    const ordersBeforeCrash = [0, 0, 5, 1, 15, 8];
    try {
      for (let crash = 0; crash < CRASHES; crash++) {
        const before = accepted.length;
        await waitFor(() => accepted.length >= before + ordersBeforeCrash[crash], { timeoutMs: 30_000, what: `orders before crash ${crash + 1}` });
        await server.crash();
        await server.start();
      }
      const afterLast = accepted.length;
      await waitFor(() => accepted.length >= afterLast + 10, { timeoutMs: 30_000, what: 'orders after the last restart' });
    } catch (error) {
      throw new Error(`${(error as Error).message}; died: ${died.join(', ') || 'none'}; last lines:\n${logs.slice(-30).join('\n')}`);
    } finally {
      placing = false;
      await placer;
    }

    const final = async () =>
      (await orders.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[]) AND status IN ('paid', 'payment_failed')`, [accepted])).rows[0].n;
    await waitFor(async () => (await final()) === accepted.length, { timeoutMs: 60_000, intervalMs: 250, what: 'every accepted order to reach a final state' }).catch(async (error) => {
      const paid = await payments.query<{ n: number }>(`SELECT count(*)::int AS n FROM payments`);
      const outbox = await orders.query<{ n: number }>(`SELECT count(*)::int AS n FROM messaging.outbox`);
      throw new Error(
        `${(error as Error).message}: ${await final()} of ${accepted.length} final, ${paid.rows[0].n} payments, ${outbox.rows[0].n} in the orders outbox; ` +
          `died: ${died.join(', ') || 'none'}; last lines:\n${logs.slice(-40).join('\n')}`,
      );
    });
    const { rows } = await payments.query<{ order_id: string; n: number }>(`SELECT order_id, count(*)::int AS n FROM payments WHERE order_id = ANY($1::uuid[]) GROUP BY order_id`, [accepted]);
    console.log(`${CRASHES} PostgreSQL crashes: ${accepted.length} orders accepted, all final, ${rows.length} payments`);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(rows).toHaveLength(accepted.length);
    expect(died).toEqual([]);
  }, 150_000);
});
