import type { Delivery } from '../src/index.js';
import { createTestBroker, waitFor, type TestBroker } from '../testing/index.js';

describe('wake-ups: LISTEN/NOTIFY with polling as the backstop', () => {
  let t: TestBroker;

  beforeAll(async () => {
    t = await createTestBroker('wake_up');
    for (const q of ['notified', 'lost', 'polled', 'delayed']) {
      await t.broker.declareQueue(q);
      await t.broker.bindQueue(q, q);
    }
  });
  afterAll(() => t.cleanup());

  function collector() {
    const got: { delivery: Delivery; at: number }[] = [];
    return { got, handler: (delivery: Delivery) => void got.push({ delivery, at: performance.now() }) };
  }

  it('an idle consumer is woken by NOTIFY long before its poll timer', async () => {
    const { got, handler } = collector();
    // A one-hour poll interval: only a NOTIFY can deliver within the test.
    const consumer = await t.broker.consume('notified', handler, { pollIntervalMs: 3_600_000 });
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const sent = performance.now();
      await t.broker.publish({ routingKey: 'notified', payload: i });
      await waitFor(() => got.length > i, { intervalMs: 1, what: `message ${i}` });
      latencies.push(got[i].at - sent);
    }
    await consumer.stop();
    latencies.sort((a, b) => a - b);
    console.log(`NOTIFY wake-up, publish (awaited) to handler start: p50 ${latencies[10].toFixed(1)} ms, max ${latencies[19].toFixed(1)} ms`);
    expect(got.map((g) => g.delivery.payload)).toEqual([...Array(20).keys()]);
  });

  it('NOTIFY lost (the LISTEN connection is cut): messages published meanwhile are still delivered', async () => {
    const { got, handler } = collector();
    const consumer = await t.broker.consume('lost', handler, { pollIntervalMs: 300 });
    const pid = t.broker.listenerBackendPid;
    expect(pid).toBeDefined();
    const [{ terminated }] = await t.query(`SELECT pg_terminate_backend($1) AS terminated`, [pid]);
    expect(terminated).toBe(true);
    await t.broker.publish([0, 1, 2].map((n) => ({ routingKey: 'lost', payload: n })));
    await waitFor(() => got.length === 3, { what: 'delivery without the NOTIFY' });
    // The listener reconnects on its own, and NOTIFY works again.
    await waitFor(() => t.broker.listenerBackendPid !== undefined && t.broker.listenerBackendPid !== pid, { what: 'LISTEN to reconnect' });
    await t.broker.publish({ routingKey: 'lost', payload: 3 });
    await waitFor(() => got.length === 4, { what: 'delivery after reconnect' });
    await consumer.stop();
  });

  it('poll-only mode (no LISTEN, e.g. behind PgBouncer) delivers by polling', async () => {
    const { got, handler } = collector();
    const consumer = await t.broker.consume('polled', handler, { listen: false, pollIntervalMs: 100 });
    await t.broker.publish({ routingKey: 'polled', payload: 'p' });
    await waitFor(() => got.length === 1, { what: 'a polled delivery' });
    await consumer.stop();
  });

  it('a delayed message, which never sends a NOTIFY, is picked up by the poll once due', async () => {
    const { got, handler } = collector();
    const consumer = await t.broker.consume('delayed', handler, { pollIntervalMs: 100 });
    await t.broker.publish({ routingKey: 'delayed', payload: 'd', delayMs: 300 });
    const [{ pending }] = await t.query(`SELECT count(*)::int AS pending FROM "${t.schema}".messages WHERE queue = 'delayed'`);
    expect(pending).toBe(1);
    await waitFor(() => got.length === 1, { what: 'the delayed message' });
    expect(Date.now() - got[0].delivery.publishedAt.getTime()).toBeGreaterThanOrEqual(300 - 20);
    await consumer.stop();
  });
});
