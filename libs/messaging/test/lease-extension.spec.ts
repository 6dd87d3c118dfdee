import { createTestBroker, signal, waitFor, type TestBroker } from '../testing/index.js';

describe('lease extension from a handler', () => {
  let t: TestBroker;

  beforeAll(async () => {
    t = await createTestBroker('lease_extension', { logger: { log: () => undefined, warn: () => undefined, error: () => undefined } });
  });
  afterAll(() => t.cleanup());

  it('extendLease() with no ms extends by the lease the message was claimed with, from the database clock', async () => {
    await t.broker.declareQueue('heartbeat', { leaseMs: 5_000 });
    await t.broker.bindQueue('heartbeat', 'heartbeat');
    const expiries = signal<{ claimed: Date; extended: Date; serverNow: Date }>();
    const consumer = await t.broker.consume('heartbeat', async (d, control) => {
      const claimed = d.leaseExpiresAt;
      // Let the database's clock move 300 ms past the claim, so an extension by the lease must move the expiry.
      const claimedAt = claimed.getTime() - 5_000;
      await waitFor(async () => (await t.query<{ ms: number }>(`SELECT extract(epoch FROM now()) * 1000 AS ms`))[0].ms > claimedAt + 300, { intervalMs: 50, what: 'the clock to move' });
      const extended = await control.extendLease();
      const [{ now }] = await t.query<{ now: Date }>(`SELECT now()`);
      expiries.resolve({ claimed, extended, serverNow: now });
    }, { pollIntervalMs: 50 });
    await t.broker.publish({ routingKey: 'heartbeat', payload: 1 });
    const { claimed, extended, serverNow } = await expiries.promise;
    await consumer.stop();
    // A new lease of 5 s from the extension (which came at least 300 ms after the claim), not the time left of the old one.
    expect(extended.getTime() - claimed.getTime()).toBeGreaterThanOrEqual(300);
    expect(extended.getTime()).toBeGreaterThan(serverNow.getTime() + 4_000);
  });
});
