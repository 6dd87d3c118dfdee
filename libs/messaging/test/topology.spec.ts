import { QUEUE_DEFAULTS, QueueInUseError, QueueNotFoundError, QueueOptionsConflictError } from '../src/index.js';
import { createTestBroker, type TestBroker } from '../testing/index.js';

describe('topology: declare, bind, unbind, delete', () => {
  let t: TestBroker;

  beforeAll(async () => {
    t = await createTestBroker('topology');
  });
  afterAll(() => t.cleanup());

  it('declares a queue with defaults and its dead-letter queue', async () => {
    const info = await t.broker.declareQueue('orders');
    expect(info.options).toEqual({ ...QUEUE_DEFAULTS, deadLetterQueue: 'orders.dlq' });
    const dlq = await t.broker.getQueue('orders.dlq');
    expect(dlq.options.deadLetterQueue).toBeNull();
  });

  it('re-declaring is idempotent; options that differ from the stored ones conflict, like RabbitMQ', async () => {
    await t.broker.declareQueue('payments', { maxAttempts: 3, leaseMs: 5000 });
    await expect(t.broker.declareQueue('payments', { maxAttempts: 3 })).resolves.toMatchObject({ name: 'payments' });
    await expect(t.broker.declareQueue('payments')).resolves.toMatchObject({ options: { maxAttempts: 3, leaseMs: 5000 } });
    const conflict = t.broker.declareQueue('payments', { maxAttempts: 4 });
    await expect(conflict).rejects.toThrow(QueueOptionsConflictError);
    await expect(conflict).rejects.toThrow(/maxAttempts: declared 4, stored 3/);
  });

  it('updateQueue changes stored options deliberately', async () => {
    await t.broker.declareQueue('mail', { maxAttempts: 2 });
    const updated = await t.broker.updateQueue('mail', { maxAttempts: 8, retryBaseMs: 50 });
    expect(updated.options).toMatchObject({ maxAttempts: 8, retryBaseMs: 50, deadLetterQueue: 'mail.dlq' });
    await expect(t.broker.updateQueue('nope', { maxAttempts: 1 })).rejects.toThrow(QueueNotFoundError);
    await expect(t.broker.updateQueue('mail', { deadLetterQueue: 'nowhere' })).rejects.toThrow(QueueNotFoundError);
  });

  it('concurrent declares of the same queue all succeed', async () => {
    const infos = await Promise.all(Array.from({ length: 5 }, () => t.broker.declareQueue('racy', { maxAttempts: 2 })));
    expect(new Set(infos.map((i) => i.name))).toEqual(new Set(['racy']));
  });

  it('binds, lists, and unbinds patterns; binding twice is a no-op', async () => {
    await t.broker.declareQueue('audit');
    await t.broker.bindQueue('audit', 'order.#');
    await t.broker.bindQueue('audit', 'order.#');
    await t.broker.bindQueue('audit', '*.failed');
    expect((await t.broker.getQueue('audit')).bindings).toEqual(['*.failed', 'order.#']);
    expect(await t.broker.unbindQueue('audit', 'order.#')).toBe(true);
    expect(await t.broker.unbindQueue('audit', 'order.#')).toBe(false);
    await t.broker.publish({ routingKey: 'payment.failed', payload: 1 });
    await expect(t.broker.publish({ routingKey: 'order.created', payload: 1 })).rejects.toThrow('No queue is bound');
  });

  it('a dead-letter queue named explicitly must exist', async () => {
    await expect(t.broker.declareQueue('x', { deadLetterQueue: 'custom.dead' })).rejects.toThrow(QueueNotFoundError);
    await t.broker.declareQueue('custom.dead', { deadLetterQueue: null });
    expect((await t.broker.declareQueue('x', { deadLetterQueue: 'custom.dead' })).options.deadLetterQueue).toBe('custom.dead');
  });

  it('deletes a queue with its bindings and messages, but not a dead-letter queue in use, nor a non-empty one with ifEmpty', async () => {
    await t.broker.declareQueue('temp');
    await t.broker.bindQueue('temp', 'temp.*');
    await t.broker.publish([{ routingKey: 'temp.a', payload: 1 }, { routingKey: 'temp.b', payload: 2 }]);
    await expect(t.broker.deleteQueue('temp.dlq')).rejects.toThrow(QueueInUseError);
    await expect(t.broker.deleteQueue('temp', { ifEmpty: true })).rejects.toThrow(/holds 2 messages/);
    expect(await t.broker.deleteQueue('temp')).toBe(2);
    await expect(t.broker.getQueue('temp')).rejects.toThrow(QueueNotFoundError);
    const [{ n }] = await t.query(`SELECT count(*)::int AS n FROM "${t.schema}".bindings WHERE queue = 'temp'`);
    expect(n).toBe(0);
    expect(await t.broker.deleteQueue('temp.dlq')).toBe(0);
    await expect(t.broker.deleteQueue('temp')).rejects.toThrow(QueueNotFoundError);
  });

  it('lists queues', async () => {
    const names = (await t.broker.listQueues()).map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(['orders', 'orders.dlq', 'payments', 'audit']));
  });
});

describe('expiring queues', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await createTestBroker('expiry');
  });
  afterAll(() => t.cleanup());

  it('deletes a queue, with its messages, once its renewal lapsed, and keeps the renewed ones', async () => {
    for (const q of ['reply.lapsed', 'reply.alive', 'plain']) {
      await t.broker.declareQueue(q, { deadLetterQueue: null });
      await t.broker.bindQueue(q, q);
    }
    await t.broker.publish({ routingKey: 'reply.lapsed', payload: 1 });
    await t.broker.renewQueue('reply.lapsed', 1_000);
    await t.broker.renewQueue('reply.alive', 60_000);
    // Make the first one's expiry pass (as if its client had stopped renewing 1 s ago).
    await t.query(`UPDATE "${t.schema}".queues SET expires_at = now() - interval '1 second' WHERE name = 'reply.lapsed'`);
    expect(await t.broker.deleteExpiredQueues()).toEqual(['reply.lapsed']);
    expect((await t.broker.listQueues()).map((q) => q.name).sort()).toEqual(['plain', 'reply.alive']);
    const [{ n }] = await t.query(`SELECT count(*)::int AS n FROM "${t.schema}".messages WHERE queue = 'reply.lapsed'`);
    expect(n).toBe(0);
    await expect(t.broker.renewQueue('reply.lapsed', 60_000)).rejects.toThrow(QueueNotFoundError);
  });
});
