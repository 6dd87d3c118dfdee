import pg from 'pg';
import { InvalidArgumentError, migrate, Outbox, OutboxRelay, SERVICE_MIGRATIONS } from '../src/index.js';
import { createTestBroker, createTestDatabase, testPool, waitFor, type TestBroker, type TestDatabase } from '../testing/index.js';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('deliverAt, beside delayMs', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await createTestBroker('deliver_at');
    await t.broker.declareQueue('timed');
    await t.broker.bindQueue('timed', 'timed.#');
  });
  afterAll(() => t.cleanup());

  const visibleAt = async (messageId: string) =>
    ((await t.query(`SELECT visible_at FROM "${t.schema}".messages WHERE message_id = $1`, [messageId]))[0].visible_at as Date).getTime();

  it('a published message with deliverAt becomes visible at that time exactly, on both publish paths', async () => {
    const at = new Date(Date.now() + 3_600_000);
    await t.broker.publish({ routingKey: 'timed.a', messageId: 'at-routed', payload: 1, deliverAt: at });
    await t.broker.publishToQueue('timed', { routingKey: 'timed.b', messageId: 'at-direct', payload: 2, deliverAt: at });
    expect(await visibleAt('at-routed')).toBe(at.getTime());
    expect(await visibleAt('at-direct')).toBe(at.getTime());
    expect(await t.broker.queueStats('timed')).toMatchObject({ ready: 0, delayed: 2 });
    await t.broker.purge('timed');
  });

  it('a deliverAt in the past delivers now', async () => {
    await t.broker.publish({ routingKey: 'timed.past', payload: 'now', deliverAt: new Date(Date.now() - 60_000) });
    const [d] = await t.broker.claim('timed');
    expect(d.payload).toBe('now');
    await t.broker.ack(d);
  });

  it('delayMs and deliverAt together, an invalid Date, or a time beyond 7 days are refused with nothing stored', async () => {
    const bad = [
      { routingKey: 'timed.x', payload: 1, delayMs: 10, deliverAt: new Date() },
      { routingKey: 'timed.x', payload: 1, deliverAt: new Date('not a date') },
      { routingKey: 'timed.x', payload: 1, deliverAt: new Date(Date.now() + 8 * 24 * 3_600_000) },
      { routingKey: 'timed.x', payload: 1, deliverAt: '2030-01-01' as unknown as Date },
    ];
    for (const message of bad) await expect(t.broker.publish([{ routingKey: 'timed.ok', payload: 0 }, message])).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await t.broker.queueStats('timed')).toMatchObject({ ready: 0, delayed: 0 });
  });

  it('nack({ deliverAt }) retries at that time; with delayMs too it is refused and the lease is kept', async () => {
    const { messageIds: [id] } = await t.broker.publish({ routingKey: 'timed.nack', payload: 1 });
    const [d] = await t.broker.claim('timed');
    await expect(t.broker.nack(d, { delayMs: 5, deliverAt: new Date() })).rejects.toBeInstanceOf(InvalidArgumentError);
    const at = new Date(Date.now() + 120_000);
    expect(await t.broker.nack(d, { deliverAt: at, error: 'later' })).toBe('retried');
    expect(await visibleAt(id)).toBe(at.getTime());
    await t.broker.purge('timed');
  });
});

describe('deliverAt through the outbox', () => {
  let t: TestBroker;
  let service: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    t = await createTestBroker('deliver_at_outbox');
    service = await createTestDatabase('deliver_at_service');
    pool = testPool(service.url, 2);
    const client = await pool.connect();
    await migrate(client, 'svc_messaging', SERVICE_MIGRATIONS);
    client.release();
    await t.broker.declareQueue('reminders');
    await t.broker.bindQueue('reminders', 'reminder.due');
  });
  afterAll(async () => {
    await pool.end();
    await service.drop();
    await t.cleanup();
  });

  it('keeps the time as written, however late the relay runs', async () => {
    const at = new Date(Date.now() + 86_400_000);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await new Outbox({ schema: 'svc_messaging' }).publish({ routingKey: 'reminder.due', messageId: 'reminder-1', payload: {}, deliverAt: at }, { transaction: client });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const relay = await new OutboxRelay({ database: pool, schema: 'svc_messaging', broker: t.broker, pollIntervalMs: 50, logger: quiet }).start();
    try {
      const [row] = await waitFor(() => t.query(`SELECT visible_at FROM "${t.schema}".messages WHERE message_id = 'reminder-1'`), { what: 'the relayed message' });
      expect((row.visible_at as Date).getTime()).toBe(at.getTime());
    } finally {
      await relay.stop();
    }
  });
});
