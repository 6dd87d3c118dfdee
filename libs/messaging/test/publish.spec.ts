import pg from 'pg';
import { DataSource } from 'typeorm';
import { MAX_PUBLISH_BATCH, UnroutableMessageError } from '../src/index.js';
import { createTestBroker, waitFor, type TestBroker, testPool } from '../testing/index.js';

describe('publish', () => {
  let t: TestBroker;
  let pool: pg.Pool;
  let dataSource: DataSource;

  beforeAll(async () => {
    t = await createTestBroker('publish');
    for (const q of ['orders', 'payments', 'notifications']) await t.broker.declareQueue(q);
    await t.broker.bindQueue('orders', 'order.*');
    await t.broker.bindQueue('payments', 'order.created');
    await t.broker.bindQueue('notifications', '#');
    await t.broker.bindQueue('notifications', 'order.#');
    pool = testPool(t.url, 2);
    dataSource = new DataSource({ type: 'postgres', url: t.url, poolSize: 2 });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await pool.end();
    await t.cleanup();
  });
  afterEach(() => t.query(`DELETE FROM "${t.schema}".messages`));

  const count = async (queue?: string) =>
    (await t.query(`SELECT count(*)::int AS n FROM "${t.schema}".messages ${queue ? 'WHERE queue = $1' : ''}`, queue ? [queue] : []))[0].n;

  it('fans one publish out to every matching queue, once per queue however many bindings match', async () => {
    const published = await t.broker.publish({ routingKey: 'order.created', payload: { id: 1 } });
    expect(published.copies).toBe(3);
    for (const q of ['orders', 'payments', 'notifications']) {
      const [d] = await t.broker.claim(q, { limit: 10 });
      expect(d).toMatchObject({ messageId: published.messageIds[0], routingKey: 'order.created', payload: { id: 1 } });
    }
    await t.broker.publish({ routingKey: 'order.paid', payload: { id: 1 } });
    expect(await count('payments')).toBe(1);
  });

  it('keeps caller ids, headers and publish time; generates UUIDs otherwise', async () => {
    const before = Date.now();
    const { messageIds } = await t.broker.publish([
      { routingKey: 'order.paid', payload: [1, 'two', { three: null }], messageId: 'order-42-paid', headers: { traceparent: '00-abc-def-01' } },
      { routingKey: 'order.paid', payload: 'plain string' },
    ]);
    expect(messageIds[0]).toBe('order-42-paid');
    expect(messageIds[1]).toMatch(/^[0-9a-f-]{36}$/);
    const [a, b] = await t.broker.claim('orders', { limit: 2 });
    expect(a).toMatchObject({ messageId: 'order-42-paid', payload: [1, 'two', { three: null }], headers: { traceparent: '00-abc-def-01' } });
    expect(b.payload).toBe('plain string');
    expect(a.publishedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(a.publishedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('inside a pg transaction: a rollback delivers nothing, a commit delivers', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await t.broker.publish({ routingKey: 'order.created', payload: 'rolled back' }, { transaction: client });
      await client.query('ROLLBACK');
      expect(await count()).toBe(0);

      await client.query('BEGIN');
      await t.broker.publish({ routingKey: 'order.created', payload: 'committed' }, { transaction: client });
      // Not visible to anyone before the commit.
      expect(await t.broker.claim('payments')).toEqual([]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const [d] = await t.broker.claim('payments');
    expect(d.payload).toBe('committed');
  });

  it('inside a TypeORM transaction (EntityManager or QueryRunner): a rollback delivers nothing, a commit delivers', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await t.broker.publish({ routingKey: 'order.created', payload: 'em rolled back' }, { transaction: manager });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await count()).toBe(0);

    await dataSource.transaction((manager) => t.broker.publish({ routingKey: 'order.created', payload: 'em committed' }, { transaction: manager }));

    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await t.broker.publish({ routingKey: 'order.created', payload: 'runner rolled back' }, { transaction: runner });
    await runner.rollbackTransaction();
    await runner.release();

    const delivered = await t.broker.claim('payments', { limit: 10 });
    expect(delivered.map((d) => d.payload)).toEqual(['em committed']);
  });

  it('a batch larger than one statement commits all or nothing', async () => {
    const size = MAX_PUBLISH_BATCH * 2 + 10;
    const ok = await t.broker.publish(Array.from({ length: size }, (_, n) => ({ routingKey: 'order.paid', payload: n })));
    expect(ok.copies).toBe(size * 2);
    await t.query(`DELETE FROM "${t.schema}".messages`);

    await t.broker.unbindQueue('notifications', '#'); // so that 'nowhere' matches no binding
    const bad = Array.from({ length: size }, (_, n) => ({ routingKey: n === size - 1 ? 'nowhere' : 'order.paid', payload: n }));
    await expect(t.broker.publish(bad)).rejects.toThrow(UnroutableMessageError);
    expect(await count()).toBe(0);

    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT 1`);
      await expect(t.broker.publish(bad, { transaction: client })).rejects.toThrow(UnroutableMessageError);
      // The caller's transaction is still usable, and holds nothing of the failed publish.
      await t.broker.publish({ routingKey: 'order.paid', payload: 'after' }, { transaction: client });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await count()).toBe(2);
    await t.broker.bindQueue('notifications', '#');
  });

  it('an empty batch publishes nothing and succeeds', async () => {
    expect(await t.broker.publish([])).toEqual({ messageIds: [], copies: 0, unroutable: [], duplicates: [] });
  });
});

describe('publish with a deduplication window', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await createTestBroker('dedup');
    await t.broker.declareQueue('orders');
    await t.broker.bindQueue('orders', 'order.*');
  });
  afterAll(() => t.cleanup());

  const window = { deduplicationWindowMs: 60_000 };

  it('drops a message whose id was accepted within the window, in later calls and within one batch', async () => {
    const first = await t.broker.publish({ routingKey: 'order.created', payload: 1, messageId: 'order-1-created' }, window);
    expect(first).toMatchObject({ copies: 1, duplicates: [] });
    const again = await t.broker.publish(
      [
        { routingKey: 'order.created', payload: 1, messageId: 'order-1-created' },
        { routingKey: 'order.created', payload: 2, messageId: 'order-2-created' },
        { routingKey: 'order.created', payload: 2, messageId: 'order-2-created' },
      ],
      window,
    );
    expect(again).toMatchObject({ copies: 1, duplicates: ['order-1-created', 'order-2-created'] });
    const delivered = await t.broker.claim('orders', { limit: 10 });
    expect(delivered.map((d) => d.messageId)).toEqual(['order-1-created', 'order-2-created']);
    // Without the option, ids are not checked.
    expect((await t.broker.publish({ routingKey: 'order.created', payload: 1, messageId: 'order-1-created' })).copies).toBe(1);
  });

  it('does not remember an id whose publish stored nothing (unroutable), nor one whose transaction rolled back', async () => {
    await expect(t.broker.publish({ routingKey: 'nowhere', payload: 1, messageId: 'lost-1' }, window)).rejects.toThrow(UnroutableMessageError);
    const report = await t.broker.publish({ routingKey: 'nowhere', payload: 1, messageId: 'lost-2' }, { ...window, mandatory: 'report' });
    expect(report).toMatchObject({ unroutable: ['lost-2'], duplicates: [] });
    const pool = testPool(t.url, 1);
    const client = await pool.connect();
    await client.query('BEGIN');
    await t.broker.publish({ routingKey: 'order.paid', payload: 1, messageId: 'rolled-back' }, { ...window, transaction: client });
    await client.query('ROLLBACK');
    client.release();
    await pool.end();
    await t.broker.bindQueue('orders', 'nowhere');
    const retried = await t.broker.publish(
      ['lost-1', 'lost-2', 'rolled-back'].map((messageId) => ({ routingKey: 'nowhere', payload: 1, messageId })),
      window,
    );
    expect(retried).toMatchObject({ copies: 3, duplicates: [] });
  });

  it('forgets ids once the window is over', async () => {
    await t.broker.publish({ routingKey: 'order.created', payload: 1, messageId: 'short-lived' }, { deduplicationWindowMs: 1 });
    await waitFor(async () => (await t.broker.purgeExpiredDeduplication()) >= 1, { what: 'the 1 ms window to pass' });
    const again = await t.broker.publish({ routingKey: 'order.created', payload: 1, messageId: 'short-lived' }, window);
    expect(again.duplicates).toEqual([]);
  });
});
