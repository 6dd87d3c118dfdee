import { createTestBroker, type TestBroker } from '../testing/index.js';

describe('dead-letter administration: redrive and purge', () => {
  let t: TestBroker;

  beforeAll(async () => {
    t = await createTestBroker('dlq_admin');
    for (const q of ['invoices', 'invoices-retry']) {
      await t.broker.declareQueue(q, { maxAttempts: 1 });
      await t.broker.bindQueue(q, q);
    }
  });
  afterAll(() => t.cleanup());

  async function deadLetter(queue: string, ids: string[]): Promise<void> {
    await t.broker.publish(ids.map((messageId) => ({ routingKey: queue, payload: { messageId }, messageId })));
    const ds = await t.broker.claim(queue, { limit: ids.length });
    await t.broker.nackMany(ds, { error: 'renderer down' });
  }

  it('moves dead letters back to the queue they died in, oldest first, with fresh attempts and their history', async () => {
    await deadLetter('invoices', ['inv-1', 'inv-2', 'inv-3']);
    expect((await t.broker.browse('invoices.dlq')).map((d) => d.messageId)).toEqual(['inv-1', 'inv-2', 'inv-3']);
    expect(await t.broker.redrive('invoices.dlq', { limit: 2 })).toBe(2);
    expect((await t.broker.browse('invoices.dlq')).map((d) => d.messageId)).toEqual(['inv-3']);
    const back = await t.broker.claim('invoices', { limit: 10 });
    expect(back.map((d) => [d.messageId, d.attempt])).toEqual([
      ['inv-1', 1],
      ['inv-2', 1],
    ]);
    expect(back[0].deaths[0]).toMatchObject({ queue: 'invoices', reason: 'delivery_limit', count: 1, lastError: 'renderer down' });
    await t.broker.ackMany(back);
    // At a rate, and to another queue.
    expect(await t.broker.redrive('invoices.dlq', { to: 'invoices-retry', ratePerSecond: 50 })).toBe(1);
    expect((await t.broker.claim('invoices-retry')).map((d) => d.messageId)).toEqual(['inv-3']);
  });

  it('leaves a dead letter whose queue is gone, and never moves a leased one', async () => {
    await t.broker.declareQueue('temporary', { maxAttempts: 1, deadLetterQueue: 'invoices.dlq' });
    await t.broker.bindQueue('temporary', 'temporary');
    await deadLetter('temporary', ['tmp-1']);
    await t.broker.deleteQueue('temporary');
    await deadLetter('invoices', ['inv-4']);
    const held = await t.broker.claim('invoices.dlq', { limit: 2 });
    expect(held.map((d) => d.messageId)).toEqual(['tmp-1', 'inv-4']);
    await t.broker.release(held[0]);
    // tmp-1's queue is gone and inv-4 is leased: nothing to move.
    expect(await t.broker.redrive('invoices.dlq')).toBe(0);
    await t.broker.release(held[1]);
    expect(await t.broker.redrive('invoices.dlq')).toBe(1);
    const [back] = await t.broker.claim('invoices');
    expect(back.messageId).toBe('inv-4');
    await t.broker.ack(back);
    expect((await t.broker.browse('invoices.dlq')).map((d) => d.messageId)).toEqual(['tmp-1']);
  });

  it('purges the messages nobody holds', async () => {
    await deadLetter('invoices', ['inv-5', 'inv-6']);
    const [held] = await t.broker.claim('invoices.dlq', { limit: 1 });
    expect(await t.broker.purge('invoices.dlq')).toBe(2);
    expect((await t.broker.browse('invoices.dlq')).map((d) => d.messageId)).toEqual([held.messageId]);
  });
});
