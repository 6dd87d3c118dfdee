import { fileURLToPath } from 'node:url';
import type { DeathRecord } from '../src/index.js';
import { createTestBroker, TsProcess, waitFor, type TestBroker } from '../testing/index.js';

const CONSUMER = fileURLToPath(new URL('./fixtures/consumer-process.ts', import.meta.url));

class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
}

describe('dead-lettering', () => {
  let t: TestBroker;

  beforeAll(async () => {
    t = await createTestBroker('dead_letter');
  });
  afterAll(() => t.cleanup());

  it('a handler that always fails: the message reaches the dead-letter queue after exactly maxAttempts, with its history', async () => {
    await t.broker.declareQueue('payments', { maxAttempts: 3, retryBaseMs: 0, retryMaxMs: 0 });
    await t.broker.bindQueue('payments', 'order.created');
    const attempts: number[] = [];
    const consumer = await t.broker.consume('payments', (d) => {
      attempts.push(d.attempt);
      throw new PaymentDeclinedError(`card declined on attempt ${d.attempt}`);
    }, { pollIntervalMs: 50 });
    const { messageIds } = await t.broker.publish({ routingKey: 'order.created', payload: { orderId: 7 }, headers: { tenant: 'acme' } });
    const [dead] = await waitFor(() => t.broker.browse<{ orderId: number }>('payments.dlq').then((ds) => (ds.length > 0 ? ds : null)), {
      what: 'the dead letter',
    });
    await consumer.stop();

    expect(attempts).toEqual([1, 2, 3]);
    expect(dead).toMatchObject({ messageId: messageIds[0], routingKey: 'order.created', payload: { orderId: 7 }, headers: { tenant: 'acme' } });
    expect(dead.deaths).toHaveLength(1);
    const [death] = dead.deaths as DeathRecord[];
    expect(death).toMatchObject({ queue: 'payments', reason: 'delivery_limit', count: 1, routingKey: 'order.created' });
    expect(death.lastError).toContain('PaymentDeclinedError: card declined on attempt 3');
    expect(Date.parse(death.firstTime)).toBeLessThanOrEqual(Date.parse(death.lastTime));
    expect(await t.broker.queueStats('payments')).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
  });

  it('keeps an x-death style history: a redriven message that dies again counts up, and long errors are truncated', async () => {
    await t.broker.declareQueue('audit', { maxAttempts: 1 });
    await t.broker.bindQueue('audit', 'audit');
    await t.broker.publish({ routingKey: 'audit', payload: 1 });
    const [first] = await t.broker.claim('audit');
    expect(await t.broker.nack(first, { error: new Error('x'.repeat(10_000)) })).toBe('dead_lettered');
    // Redrive by hand: take it from the DLQ and publish it back with its history (the admin redrive comes later).
    const [dead] = await t.broker.claim('audit.dlq');
    await t.query(
      `INSERT INTO "${t.schema}".messages (queue, message_id, routing_key, payload, headers, published_at, visible_at, deaths)
       SELECT 'audit', message_id, routing_key, payload, headers, published_at, now(), deaths FROM "${t.schema}".messages WHERE id = $1`,
      [dead.id],
    );
    await t.broker.ack(dead);
    const [second] = await t.broker.claim('audit');
    await t.broker.nack(second, { error: 'again' });
    const [redead] = await t.broker.browse('audit.dlq');
    expect(redead.deaths).toHaveLength(1);
    expect(redead.deaths[0]).toMatchObject({ queue: 'audit', reason: 'delivery_limit', count: 2, lastError: 'again' });
    expect(dead.deaths[0].lastError!.length).toBe(4096);
  });

  it('reject dead-letters at once with reason "rejected"; a queue without a dead-letter queue drops', async () => {
    await t.broker.declareQueue('strict', { maxAttempts: 10 });
    await t.broker.declareQueue('lossy', { maxAttempts: 1, deadLetterQueue: null });
    await t.broker.bindQueue('strict', 'strict');
    await t.broker.bindQueue('lossy', 'lossy');
    await t.broker.publish([{ routingKey: 'strict', payload: 1 }, { routingKey: 'lossy', payload: 2 }]);
    const [s] = await t.broker.claim('strict');
    expect(await t.broker.nack(s, { reject: true, error: 'malformed order' })).toBe('dead_lettered');
    const [dead] = await t.broker.browse('strict.dlq');
    expect(dead.deaths[0]).toMatchObject({ reason: 'rejected', queue: 'strict', lastError: 'malformed order' });
    const [l] = await t.broker.claim('lossy');
    expect(await t.broker.nack(l, { error: 'no' })).toBe('dropped');
    expect(await t.broker.queueStats('lossy')).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
  });

  it('a process that exits inside the handler still burns the attempt: after maxAttempts crashes the message is dead-lettered', async () => {
    await t.broker.declareQueue('crashy', { maxAttempts: 2, leaseMs: 300 });
    await t.broker.bindQueue('crashy', 'crashy');
    const { messageIds } = await t.broker.publish({ routingKey: 'crashy', payload: { poison: true } });
    const env = { DATABASE_URL: t.url, SCHEMA: t.schema, QUEUE: 'crashy', MODE: 'exit', POLL_INTERVAL_MS: '50' };
    for (const attempt of [1, 2]) {
      const worker = new TsProcess(CONSUMER, env);
      const [event] = await worker.waitForEvents('exiting');
      expect(event).toMatchObject({ messageId: messageIds[0], attempt });
      expect((await worker.exited).code).toBe(3);
    }
    // The last attempt's lease runs out; the next claim by anyone moves the message to the dead-letter queue.
    const [dead] = await waitFor(async () => {
      expect(await t.broker.claim('crashy')).toEqual([]);
      return t.broker.browse('crashy.dlq').then((ds) => (ds.length > 0 ? ds : null));
    }, { what: 'the crashed message to be dead-lettered' });
    expect(dead.messageId).toBe(messageIds[0]);
    expect(dead.deaths[0]).toMatchObject({ queue: 'crashy', reason: 'delivery_limit', count: 1 });
    expect(dead.deaths[0].lastError).toContain('lease expired');
  });
});
