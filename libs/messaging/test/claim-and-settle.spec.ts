import { Broker, LeaseLostError } from '../src/index.js';
import { createTestBroker, waitFor, type TestBroker } from '../testing/index.js';

describe('claim, ack, nack and extend under fenced leases', () => {
  let t: TestBroker;
  let queueNo = 0;

  beforeAll(async () => {
    t = await createTestBroker('claim');
  });
  afterAll(() => t.cleanup());

  /** A fresh queue bound to its own routing key, with the given options. */
  async function queue(options: Parameters<Broker['declareQueue']>[1] = {}): Promise<string> {
    const name = `q${++queueNo}`;
    await t.broker.declareQueue(name, options);
    await t.broker.bindQueue(name, name);
    return name;
  }

  async function row(id: string) {
    const [r] = await t.query(`SELECT attempts, lease_token, visible_at, last_error, statement_timestamp() AS now FROM "${t.schema}".messages WHERE id = $1`, [id]);
    return r;
  }

  it('claims up to N messages in one call, counting the attempt and issuing distinct lease tokens', async () => {
    const q = await queue();
    const { messageIds } = await t.broker.publish(Array.from({ length: 5 }, (_, n) => ({ routingKey: q, payload: { n } })));
    const first = await t.broker.claim<{ n: number }>(q, { limit: 3 });
    expect(first.map((d) => d.messageId)).toEqual(messageIds.slice(0, 3));
    expect(first.map((d) => d.payload.n)).toEqual([0, 1, 2]);
    expect(first.every((d) => d.attempt === 1 && d.leaseExpiresAt > new Date(Date.now() - 1000))).toBe(true);
    expect(new Set(first.map((d) => d.leaseToken)).size).toBe(3);
    const rest = await t.broker.claim(q, { limit: 10 });
    expect(rest.map((d) => d.messageId)).toEqual(messageIds.slice(3));
    expect(await t.broker.claim(q, { limit: 10 })).toEqual([]);
    expect(await t.broker.queueStats(q)).toMatchObject({ leased: 5, ready: 0 });
  });

  it('ack deletes the message; a second ack with the same token fails with LeaseLostError', async () => {
    const q = await queue();
    await t.broker.publish({ routingKey: q, payload: 'x' });
    const [d] = await t.broker.claim(q);
    await t.broker.ack(d);
    expect(await t.broker.queueStats(q)).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
    await expect(t.broker.ack(d)).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('an expired lease makes the message claimable again by any broker instance, with attempt 2 and a new token', async () => {
    const q = await queue({ leaseMs: 200 });
    await t.broker.publish({ routingKey: q, payload: 'x' });
    const [stale] = await t.broker.claim(q);
    const other = await Broker.connect({ connectionString: t.url, schema: t.schema, poolSize: 1, migrate: false });
    try {
      const [fresh] = await waitFor(() => other.claim(q).then((ds) => (ds.length > 0 ? ds : null)), { what: 'the lease to expire' });
      expect(fresh.messageId).toBe(stale.messageId);
      expect(fresh.attempt).toBe(2);
      expect(fresh.leaseToken).not.toBe(stale.leaseToken);
      expect(fresh.leaseExpiresAt.getTime()).toBeGreaterThan(stale.leaseExpiresAt.getTime());
    } finally {
      await other.close();
    }
  });

  it('fencing: a holder whose lease expired and was re-claimed cannot ack, nack or extend, and changes nothing', async () => {
    const q = await queue({ leaseMs: 150 });
    await t.broker.publish({ routingKey: q, payload: 'x' });
    const [stale] = await t.broker.claim(q);
    const [fresh] = await waitFor(() => t.broker.claim(q).then((ds) => (ds.length > 0 ? ds : null)), { what: 'the lease to expire' });
    await t.broker.extendLease(fresh, 60_000);
    const before = await row(fresh.id);

    await expect(t.broker.ack(stale)).rejects.toThrow(LeaseLostError);
    await expect(t.broker.nack(stale, { error: new Error('late') })).rejects.toThrow(LeaseLostError);
    await expect(t.broker.nack(stale, { reject: true })).rejects.toThrow(LeaseLostError);
    await expect(t.broker.extendLease(stale, 60_000)).rejects.toThrow(LeaseLostError);
    await expect(t.broker.release(stale)).rejects.toThrow(LeaseLostError);
    expect(await t.broker.ackMany([stale])).toEqual({ settled: [], lost: [stale.id] });

    const after = await row(fresh.id);
    expect(after).toMatchObject({ attempts: 2, lease_token: fresh.leaseToken, last_error: null });
    expect(after.visible_at).toEqual(before.visible_at);
    await t.broker.ack(fresh);
  });

  it('nack retries after the queue backoff: exponential from retryBaseMs, capped, minus jitter', async () => {
    const q = await queue({ retryBaseMs: 10_000, retryMaxMs: 25_000, retryJitter: 0.5, leaseMs: 100 });
    await t.broker.publish({ routingKey: q, payload: 'x' });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [d] = await t.broker.claim(q);
      expect(d.attempt).toBe(attempt);
      expect(await t.broker.nack(d, { error: new Error(`boom ${attempt}`) })).toBe('retried');
      const r = await row(d.id);
      delays.push(new Date(r.visible_at).getTime() - new Date(r.now).getTime());
      expect(r.last_error).toContain(`boom ${attempt}`);
      expect(r.lease_token).toBeNull();
      expect(await t.broker.queueStats(q)).toMatchObject({ delayed: 1, ready: 0 });
      // Make it visible now to take the next attempt (the delay itself was measured above).
      await t.query(`UPDATE "${t.schema}".messages SET visible_at = now() WHERE id = $1 AND lease_token IS NULL`, [d.id]);
    }
    // attempt 1: 10 s, attempt 2: 20 s, attempt 3: 40 s capped to 25 s; jitter takes off up to half.
    const bounds = [10_000, 20_000, 25_000];
    delays.forEach((delay, i) => {
      expect(delay).toBeLessThanOrEqual(bounds[i] + 5);
      expect(delay).toBeGreaterThanOrEqual(bounds[i] * 0.5 - 5);
    });
  });

  it('nack with delayMs 0 makes the message visible at once, keeping the attempt count', async () => {
    const q = await queue();
    await t.broker.publish({ routingKey: q, payload: 'x' });
    const [d] = await t.broker.claim(q);
    await t.broker.nack(d, { delayMs: 0, error: 'try again' });
    const [again] = await t.broker.claim(q);
    expect(again).toMatchObject({ messageId: d.messageId, attempt: 2, lastError: 'try again' });
  });

  it('extendLease moves the expiry from now and keeps the message from other consumers', async () => {
    const q = await queue({ leaseMs: 100 });
    await t.broker.publish({ routingKey: q, payload: 'x' });
    const [d] = await t.broker.claim(q);
    const expiry = await t.broker.extendLease(d, 60_000);
    expect(expiry.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(d.leaseExpiresAt).toEqual(expiry);
    expect(await t.broker.claim(q)).toEqual([]);
    await t.broker.ack(d);
  });

  it('settles in batches: one call acks or nacks many and lists the ones whose lease was lost', async () => {
    const q = await queue({ leaseMs: 60_000 });
    await t.broker.publish(Array.from({ length: 6 }, (_, n) => ({ routingKey: q, payload: { n } })));
    const ds = await t.broker.claim(q, { limit: 6 });
    const forged = { ...ds[0], leaseToken: '00000000-0000-4000-8000-000000000000' };
    expect(await t.broker.ackMany([forged, ds[1], ds[2]])).toEqual({ settled: [ds[1].id, ds[2].id], lost: [ds[0].id] });
    const nacked = await t.broker.nackMany([ds[3], ds[4]], { delayMs: 0 });
    expect(nacked.settled).toEqual([ds[3].id, ds[4].id]);
    expect([...nacked.outcomes.values()]).toEqual(['retried', 'retried']);
    // The batched single-message API: concurrent acks share statements and each gets its own outcome.
    await Promise.all([t.broker.ack(ds[0]), t.broker.ack(ds[5])]);
    await expect(t.broker.ack(forged)).rejects.toThrow(LeaseLostError);
    expect(await t.broker.queueStats(q)).toEqual({ ready: 2, delayed: 0, leased: 0, leaseExpired: 0 });
  });

  it('release gives a message back at once without counting the attempt', async () => {
    const q = await queue();
    await t.broker.publish({ routingKey: q, payload: 'x' });
    const [d] = await t.broker.claim(q);
    await t.broker.release(d);
    const [again] = await t.broker.claim(q);
    expect(again.attempt).toBe(1);
  });

  it('a delayed publish is not claimable before its delay', async () => {
    const q = await queue();
    await t.broker.publish({ routingKey: q, payload: 'later', delayMs: 60_000 });
    expect(await t.broker.claim(q)).toEqual([]);
    expect(await t.broker.queueStats(q)).toMatchObject({ delayed: 1 });
  });
});
