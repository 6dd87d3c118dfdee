import {
  Broker,
  InvalidArgumentError,
  InvalidNameError,
  PayloadNotSerializableError,
  PayloadTooLargeError,
  QueueNotFoundError,
  UnroutableMessageError,
} from '../src/index.js';
import { createTestBroker, type TestBroker } from '../testing/index.js';

describe('bad input is rejected with typed errors and leaves the database unchanged', () => {
  let t: TestBroker;

  beforeAll(async () => {
    t = await createTestBroker('validation', { maxPayloadBytes: 1024 });
    await t.broker.declareQueue('orders');
    await t.broker.bindQueue('orders', 'order.*');
  });
  afterAll(() => t.cleanup());

  /** Every row of the broker's tables, to compare before and after a rejected call. */
  async function snapshot(): Promise<unknown> {
    const s = `"${t.schema}"`;
    return {
      queues: await t.query(`SELECT * FROM ${s}.queues ORDER BY name`),
      bindings: await t.query(`SELECT * FROM ${s}.bindings ORDER BY queue, pattern`),
      messages: await t.query(`SELECT * FROM ${s}.messages ORDER BY id`),
    };
  }

  async function rejects(call: () => Promise<unknown>, type: new (...args: never[]) => Error, message?: RegExp): Promise<void> {
    const before = await snapshot();
    const error = await call().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(type);
    if (message) expect((error as Error).message).toMatch(message);
    expect(await snapshot()).toEqual(before);
  }

  const badNames = ['', ' orders', 'orders; DROP TABLE x', "o'rders", 'o"rders', '.orders', 'a'.repeat(121), 'ordres\n', 'очередь'];

  it.each(badNames)('rejects the queue name %j everywhere', async (name) => {
    await rejects(() => t.broker.declareQueue(name), InvalidNameError, /queue name/);
    await rejects(() => t.broker.bindQueue(name, 'x'), InvalidNameError);
    await rejects(() => t.broker.claim(name), InvalidNameError);
    await rejects(() => t.broker.consume(name, () => undefined), InvalidNameError);
    await rejects(() => t.broker.deleteQueue(name), InvalidNameError);
  });

  it.each(['a.b*', 'a.#b', 'a b', 'a/b', "x'--", 'x'.repeat(256), 'a.*.c\u0000'])('rejects the binding pattern %j', async (pattern) => {
    await rejects(() => t.broker.bindQueue('orders', pattern), InvalidNameError, /binding pattern/);
  });

  it.each(['order.*', 'order.#', 'order created', 'x'.repeat(256), "order.'"])('rejects the routing key %j', async (routingKey) => {
    await rejects(() => t.broker.publish({ routingKey, payload: 1 }), InvalidNameError, /routing key/);
  });

  it('rejects payloads over the limit, in bytes of UTF-8 JSON', async () => {
    await rejects(() => t.broker.publish({ routingKey: 'order.created', payload: 'x'.repeat(1100) }), PayloadTooLargeError, /more than the limit of 1024/);
    // 400 three-byte characters: 1,202 bytes though only 402 characters.
    await rejects(() => t.broker.publish({ routingKey: 'order.created', payload: '€'.repeat(400) }), PayloadTooLargeError);
    const fits = await t.broker.publish({ routingKey: 'order.created', payload: 'x'.repeat(1000) });
    expect(fits.copies).toBe(1);
    await t.query(`DELETE FROM "${t.schema}".messages`);
  });

  it('applies the default limit of 256 KiB', async () => {
    const broker = await Broker.connect({ connectionString: t.url, schema: t.schema, poolSize: 1, migrate: false });
    try {
      await rejects(() => broker.publish({ routingKey: 'order.created', payload: 'x'.repeat(256 * 1024) }), PayloadTooLargeError);
    } finally {
      await broker.close();
    }
  });

  it('rejects values JSON cannot hold', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    for (const payload of [10n, cyclic, undefined, () => 1, Symbol('s'), deep]) {
      await rejects(() => t.broker.publish({ routingKey: 'order.created', payload }), PayloadNotSerializableError);
    }
  });

  it('rejects malformed messages, ids, headers and options', async () => {
    await rejects(() => t.broker.publish(null as never), InvalidArgumentError);
    await rejects(() => t.broker.publish({ routingKey: 'order.created', payload: 1, messageId: 'has space' }), InvalidNameError, /message id/);
    await rejects(() => t.broker.publish({ routingKey: 'order.created', payload: 1, messageId: '' }), InvalidNameError);
    await rejects(() => t.broker.publish({ routingKey: 'order.created', payload: 1, headers: { ok: 1 as never } }), InvalidNameError, /header/);
    await rejects(() => t.broker.publish({ routingKey: 'order.created', payload: 1, headers: { 'bad name': 'x' } }), InvalidNameError);
    await rejects(() => t.broker.publish({ routingKey: 'order.created', payload: 1, delayMs: -1 }), InvalidArgumentError, /delayMs/);
    await rejects(() => t.broker.publish({ routingKey: 'order.created', payload: 1 }, { mandatory: 'maybe' as never }), InvalidArgumentError);
    await rejects(() => t.broker.declareQueue('other', { maxAttempts: 0 }), InvalidArgumentError, /maxAttempts/);
    await rejects(() => t.broker.declareQueue('other', { leaseMs: 1.5 }), InvalidArgumentError, /leaseMs/);
    await rejects(() => t.broker.declareQueue('other', { retryBaseMs: 10, retryMaxMs: 5 }), InvalidArgumentError, /retryMaxMs/);
    await rejects(() => t.broker.declareQueue('other', { retryJitter: 2 }), InvalidArgumentError, /retryJitter/);
    await rejects(() => t.broker.declareQueue('other', { deadLetterQueue: 'other' }), InvalidArgumentError);
    await rejects(() => t.broker.declareQueue('other', { colour: 'red' } as never), InvalidArgumentError, /Unknown queue option/);
    await rejects(() => t.broker.claim('orders', { limit: 0 }), InvalidArgumentError);
    await rejects(() => t.broker.consume('orders', () => undefined, { concurrency: 0 }), InvalidArgumentError);
  });

  it('a batch with one bad message stores none of it', async () => {
    const batch = [
      { routingKey: 'order.created', payload: 1 },
      { routingKey: 'order.paid', payload: 2 },
      { routingKey: 'order.paid', payload: 10n },
    ];
    await rejects(() => t.broker.publish(batch), PayloadNotSerializableError);
  });

  it('an unroutable publish throws UnroutableMessageError and stores nothing of the batch', async () => {
    const batch = [
      { routingKey: 'order.created', payload: 1 },
      { routingKey: 'nobody.listens', payload: 2 },
    ];
    await rejects(() => t.broker.publish(batch), UnroutableMessageError, /nobody\.listens/);
  });

  it("mandatory: 'report' stores the routable messages and reports the others", async () => {
    const result = await t.broker.publish(
      [
        { routingKey: 'order.created', payload: 1, messageId: 'm-routable' },
        { routingKey: 'nobody.listens', payload: 2, messageId: 'm-unroutable' },
      ],
      { mandatory: 'report' },
    );
    expect(result).toEqual({ messageIds: ['m-routable', 'm-unroutable'], copies: 1, unroutable: ['m-unroutable'], duplicates: [] });
    await t.query(`DELETE FROM "${t.schema}".messages`);
  });

  it('binding to a missing queue is QueueNotFoundError', async () => {
    await rejects(() => t.broker.bindQueue('missing', 'x'), QueueNotFoundError);
  });

  it('rejects bad broker options before connecting', async () => {
    await expect(Broker.connect({ connectionString: t.url, schema: 'Bad-Schema' })).rejects.toThrow(InvalidNameError);
    await expect(Broker.connect({ connectionString: t.url, schema: 'x; drop' })).rejects.toThrow(InvalidNameError);
    await expect(Broker.connect({ connectionString: t.url, maxPayloadBytes: 0 })).rejects.toThrow(InvalidArgumentError);
  });
});
