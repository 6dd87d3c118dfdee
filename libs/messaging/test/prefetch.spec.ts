import { createTestBroker, signal, waitFor, type TestBroker } from '../testing/index.js';

describe('prefetch', () => {
  let t: TestBroker;

  beforeAll(async () => {
    t = await createTestBroker('prefetch', { logger: { log: () => undefined, warn: () => undefined, error: () => undefined } });
  });
  afterAll(() => t.cleanup());

  it('a prefetched message whose lease ran out while it waited for a slot is given back, not started late', async () => {
    await t.broker.declareQueue('slow', { leaseMs: 300 });
    await t.broker.bindQueue('slow', 'slow');
    const started: { payload: number; attempt: number }[] = [];
    const firstRunning = signal();
    const consumer = await t.broker.consume<number>('slow', async (d, control) => {
      started.push({ payload: d.payload, attempt: d.attempt });
      if (d.payload !== 1) return;
      await control.extendLease(60_000);
      firstRunning.resolve();
      // Hold the only slot until the prefetched message's lease is over (as the database sees it).
      await waitFor(async () => (await t.broker.queueStats('slow')).leaseExpired >= 1, { what: 'the prefetched lease to run out' });
    }, { concurrency: 1, prefetch: 1, pollIntervalMs: 50 });
    await t.broker.publish([1, 2].map((payload) => ({ routingKey: 'slow', payload })));
    await firstRunning.promise;
    await waitFor(() => started.length === 2, { what: 'message 2' });
    await consumer.stop();
    // Message 2 was given back with its attempt un-counted and claimed afresh, not run on an expired lease.
    expect(started).toEqual([
      { payload: 1, attempt: 1 },
      { payload: 2, attempt: 1 },
    ]);
  });
});
