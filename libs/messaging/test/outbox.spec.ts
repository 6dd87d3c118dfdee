import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { migrate, Outbox, OutboxRelay, SERVICE_MIGRATIONS, type Delivery } from '../src/index.js';
import { createTestBroker, createTestDatabase, TsProcess, waitFor, type TestBroker, type TestDatabase, testPool } from '../testing/index.js';

const RELAY = fileURLToPath(new URL('./fixtures/relay-process.ts', import.meta.url));
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('transactional outbox and relay (the broker in another database)', () => {
  let t: TestBroker;
  let service: TestDatabase;
  let pool: pg.Pool;
  let dataSource: DataSource;
  const outbox = new Outbox({ schema: 'orders_messaging' });

  beforeAll(async () => {
    t = await createTestBroker('outbox');
    service = await createTestDatabase('orders_service');
    pool = testPool(service.url, 4);
    const client = await pool.connect();
    await migrate(client, 'orders_messaging', SERVICE_MIGRATIONS);
    await client.query(`CREATE TABLE orders (id serial PRIMARY KEY, customer text NOT NULL)`);
    client.release();
    dataSource = new DataSource({ type: 'postgres', url: service.url, poolSize: 2 });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await pool.end();
    await service.drop();
    await t.cleanup();
  });

  async function queue(name: string, pattern: string): Promise<void> {
    await t.broker.declareQueue(name);
    await t.broker.bindQueue(name, pattern);
  }
  const outboxCount = async () => (await pool.query(`SELECT count(*)::int AS n FROM orders_messaging.outbox`)).rows[0].n as number;
  const relay = (options: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {}) =>
    new OutboxRelay({ database: pool, schema: 'orders_messaging', broker: t.broker, pollIntervalMs: 50, logger: quiet, ...options });

  it('a rolled-back business transaction publishes nothing; a committed one is delivered', async () => {
    await queue('orders.created', 'order.created');
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query(`INSERT INTO orders (customer) VALUES ('rolled-back')`);
        await outbox.publish({ routingKey: 'order.created', payload: { customer: 'rolled-back' } }, { transaction: manager });
        throw new Error('payment method invalid');
      }),
    ).rejects.toThrow('payment method invalid');
    expect(await outboxCount()).toBe(0);

    const { messageIds } = await dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO orders (customer) VALUES ('committed')`);
      return outbox.publish({ routingKey: 'order.created', payload: { customer: 'committed' } }, { transaction: manager });
    });
    const r = await relay().start();
    try {
      const [d] = await waitFor(() => t.broker.claim<{ customer: string }>('orders.created'), { what: 'the relayed message' });
      expect(d).toMatchObject({ messageId: messageIds[0], payload: { customer: 'committed' } });
      expect(await outboxCount()).toBe(0);
      expect(await t.broker.claim('orders.created')).toEqual([]);
    } finally {
      await r.stop();
    }
  });

  it('a relay killed between sending and marking still yields exactly one handler effect', async () => {
    await queue('orders.paid', 'order.paid');
    const client = await pool.connect();
    await client.query('BEGIN');
    const { messageIds } = await outbox.publish({ routingKey: 'order.paid', payload: { orderId: 7 } }, { transaction: client });
    await client.query('COMMIT');
    client.release();

    const env = { BROKER_URL: t.url, BROKER_SCHEMA: t.schema, SERVICE_URL: service.url, SERVICE_SCHEMA: 'orders_messaging' };
    const doomed = new TsProcess(RELAY, { ...env, CRASH_AFTER_SEND: '1' });
    const [sent] = await doomed.waitForEvents('sent');
    expect(sent.messageIds).toEqual(messageIds);
    expect((await doomed.exited).signal).toBe('SIGKILL');
    // The broker has the message, and the outbox still has its row: the relay died before deleting it.
    expect(await outboxCount()).toBe(1);
    expect((await t.broker.queueStats('orders.paid')).ready).toBe(1);

    const effects: Delivery[] = [];
    const consumer = await t.broker.consume('orders.paid', (d) => void effects.push(d), { pollIntervalMs: 50 });
    const survivor = new TsProcess(RELAY, env);
    try {
      await survivor.waitForEvents('sent');
      await waitFor(async () => (await outboxCount()) === 0, { what: 'the resend' });
      await waitFor(() => effects.length >= 1, { what: 'the delivery' });
      const stats = await t.broker.queueStats('orders.paid');
      expect(stats).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
      expect(effects.map((d) => d.messageId)).toEqual(messageIds);
    } finally {
      survivor.kill('SIGTERM');
      await survivor.exited;
      await consumer.stop();
    }
  });

  it('several relays share the outbox without sending anything twice, and keep per-key order', async () => {
    await queue('orders.events', 'order.step');
    const client = await pool.connect();
    await client.query('BEGIN');
    const messages = Array.from({ length: 300 }, (_, n) => ({
      routingKey: 'order.step',
      payload: { key: `order-${n % 5}`, seq: Math.floor(n / 5) },
      orderingKey: `order-${n % 5}`,
    }));
    await outbox.publish(messages, { transaction: client });
    await client.query('COMMIT');
    client.release();

    const relays = await Promise.all([relay({ batchSize: 7 }).start(), relay({ batchSize: 11 }).start()]);
    try {
      await waitFor(async () => (await outboxCount()) === 0, { timeoutMs: 30_000, what: 'the outbox to drain' });
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
    }
    expect(relays.every((r) => r.relayed > 0)).toBe(true);
    const rows = await t.query<{ payload: { key: string; seq: number } }>(
      `SELECT payload FROM "${t.schema}".messages WHERE queue = 'orders.events' ORDER BY id`,
    );
    expect(rows).toHaveLength(300);
    for (let k = 0; k < 5; k++) {
      const seqs = rows.filter((r) => r.payload.key === `order-${k}`).map((r) => r.payload.seq);
      expect(seqs).toEqual([...Array(60).keys()]);
    }
  });

  it('is woken by NOTIFY when a business transaction commits', async () => {
    await queue('orders.notified', 'order.notified');
    const r = await relay({ pollIntervalMs: 3_600_000 }).start();
    try {
      await dataSource.transaction((manager) => outbox.publish({ routingKey: 'order.notified', payload: 1 }, { transaction: manager }));
      await waitFor(() => t.broker.claim('orders.notified'), { what: 'the NOTIFY-driven relay' });
    } finally {
      await r.stop();
    }
  });

  it('keeps a message no queue is bound to, backing off, and delivers it once a binding exists', async () => {
    await t.broker.declareQueue('orders.late');
    await dataSource.transaction((manager) => outbox.publish({ routingKey: 'order.late', payload: 1, messageId: 'late-1' }, { transaction: manager }));
    const r = relay();
    expect(await r.relayOnce()).toBe(0);
    const [row] = (await pool.query(`SELECT attempts, last_error, available_at > now() AS deferred FROM orders_messaging.outbox`)).rows;
    expect(row).toMatchObject({ attempts: 1, deferred: true });
    expect(row.last_error).toContain('no queue is bound');
    await t.broker.bindQueue('orders.late', 'order.late');
    await r.start();
    try {
      const [d] = await waitFor(() => t.broker.claim('orders.late'), { timeoutMs: 10_000, what: 'the deferred message' });
      expect(d.messageId).toBe('late-1');
    } finally {
      await r.stop();
    }
  });

  it('refuses to publish outside a transaction and validates like the broker', async () => {
    await expect(outbox.publish({ routingKey: 'order.created', payload: 1 }, {} as never)).rejects.toThrow('needs the business transaction');
    await expect(
      dataSource.transaction((manager) => outbox.publish({ routingKey: 'bad\u0000key', payload: 1 }, { transaction: manager })),
    ).rejects.toThrow('Invalid routing key');
    // orderingKey is the outbox's own field; anything unknown is refused, as broker.publish does.
    await expect(
      dataSource.transaction((manager) => outbox.publish({ routingKey: 'order.created', payload: 1, orderingKey: 'o', colour: 'red' } as never, { transaction: manager })),
    ).rejects.toThrow('Unknown field "colour"');
    expect(await outboxCount()).toBe(0);
  });
});
