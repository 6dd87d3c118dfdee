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

  // RabbitMQ takes any text up to 255 bytes; NUL cannot be stored and a lone surrogate has no UTF-8 form.
  const badTopics: [string, unknown][] = [['256 bytes', 'x'.repeat(256)], ['256 bytes in 128 characters', 'é'.repeat(128)], ['NUL', 'a.*.c\u0000'], ['a lone surrogate', 'a.\ud800'], ['a number', 42]];

  it.each(badTopics)('rejects a binding pattern with %s', async (_what, pattern) => {
    await rejects(() => t.broker.bindQueue('orders', pattern as string), InvalidNameError, /binding pattern/);
  });

  it.each(badTopics)('rejects a routing key with %s', async (_what, routingKey) => {
    await rejects(() => t.broker.publish({ routingKey: routingKey as string, payload: 1 }), InvalidNameError, /routing key/);
  });

  it("accepts what RabbitMQ accepts: any text of up to 255 bytes, with literal '*' and '#' words in keys", async () => {
    await t.broker.declareQueue('wide', { deadLetterQueue: null });
    for (const pattern of ['a*b.#x', 'order created.*', "x'--; drop table x", '€.ü.😀', 'é'.repeat(127)]) await t.broker.bindQueue('wide', pattern);
    const keys = ['a*b.#x', 'order created.#', "x'--; drop table x", '€.ü.😀', 'é'.repeat(127)];
    expect((await t.broker.publish(keys.map((routingKey) => ({ routingKey, payload: 1 })))).copies).toBe(5);
    await rejects(() => t.broker.publish({ routingKey: 'a*b.x', payload: 1 }), UnroutableMessageError);
    await t.broker.deleteQueue('wide');
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

  // JSON.stringify would store each of these as something else (null, {}, an object of indexes) or drop it.
  it.each([
    ['NaN', { order: { total: NaN } }, 'payload.order.total is NaN'],
    ['Infinity', { items: [{ price: Infinity }] }, 'payload.items[0].price is Infinity'],
    ['-Infinity', [1, -Infinity], 'payload[1] is -Infinity'],
    ['a Map', { tags: new Map([['a', 1]]) }, 'payload.tags is a Map'],
    ['a Set', { 'odd key': new Set([1]) }, 'payload["odd key"] is a Set'],
    ['a typed array', { data: new Float64Array(2) }, 'payload.data is a Float64Array'],
    ['a Buffer', Buffer.from('x'), 'payload is a Buffer'],
    ['an ArrayBuffer', { raw: new ArrayBuffer(4) }, 'payload.raw is an ArrayBuffer'],
    ['a RegExp', { match: /x/ }, 'payload.match is a RegExp'],
    ['an Error', { cause: new Error('boom') }, 'payload.cause is an Error'],
    ['an invalid Date', { at: new Date(NaN) }, 'payload.at is an invalid Date'],
    ['a function', { callback: () => 1 }, 'payload.callback is a function'],
    ['a symbol', { kind: Symbol('k') }, 'payload.kind is a symbol'],
    ['undefined in an array', [1, undefined], 'payload[1] is undefined'],
    ['a BigInt deep inside', { a: { b: [10n] } }, 'payload.a.b[0] is a BigInt'],
    ['a value its toJSON makes NaN', { x: { toJSON: () => NaN } }, 'payload.x is NaN'],
    ['a getter that throws', { get x() { throw new Error('no x'); } }, 'no x'],
  ])('refuses %s in a payload, naming where it is', async (_what, payload, message) => {
    await rejects(() => t.broker.publish({ routingKey: 'order.created', payload }), PayloadNotSerializableError, new RegExp(message.replace(/[[\]().]/g, '\\$&')));
  });

  it('stores what JSON holds as it is: a Date as its ISO text, an undefined property left out', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    await t.broker.publish({ routingKey: 'order.created', payload: { at, gone: undefined, list: [null, 1.5, 'x'], nested: { toJSON: () => 'n' } } });
    const [delivery] = await t.broker.claim('orders');
    expect(delivery.payload).toEqual({ at: '2026-01-02T03:04:05.678Z', list: [null, 1.5, 'x'], nested: 'n' });
    await t.broker.ack(delivery);
  });

  it('rejects header values with NUL or a lone surrogate (jsonb holds neither)', async () => {
    await rejects(() => t.broker.publish({ routingKey: 'order.created', payload: 1, headers: { note: 'a\u0000b' } }), InvalidNameError, /header "note".*NUL/);
    await rejects(() => t.broker.publish({ routingKey: 'order.created', payload: 1, headers: { note: 'a\udc00' } }), InvalidNameError, /lone surrogate/);
  });

  it('refuses unknown fields of a message and of publish options, rather than ignoring them', async () => {
    const message = { routingKey: 'order.created', payload: 1 };
    await rejects(() => t.broker.publish({ ...message, orderingKey: 'o-1' } as never), InvalidArgumentError, /Unknown field "orderingKey" of a message/);
    await rejects(() => t.broker.publish([message, { ...message, delay: 5 } as never]), InvalidArgumentError, /"delay"/);
    await rejects(() => t.broker.publish(message, { mandatry: 'report' } as never), InvalidArgumentError, /"mandatry" of the publish options/);
    await rejects(() => t.broker.publishToQueue('orders', message, { mandatory: 'report' } as never), InvalidArgumentError, /"mandatory"/);
  });

  it('settling a malformed delivery is InvalidArgumentError, sent nowhere', async () => {
    await t.broker.publish({ routingKey: 'order.created', payload: 1, messageId: 'token-probe' });
    const [delivery] = await t.broker.claim('orders', { leaseMs: 60_000 });
    const malformed = [
      { ...delivery, leaseToken: 'not-a-uuid' },
      { ...delivery, leaseToken: '' },
      { ...delivery, id: 'abc' },
      { ...delivery, id: '99999999999999999999' },
      { ...delivery, id: 12 as never },
    ];
    for (const bad of malformed) {
      await rejects(() => t.broker.ack(bad), InvalidArgumentError, /delivery/);
      await rejects(() => t.broker.nack(bad), InvalidArgumentError);
      await rejects(() => t.broker.ackMany([delivery, bad]), InvalidArgumentError);
      await rejects(() => t.broker.nackMany([bad]), InvalidArgumentError);
      await rejects(() => t.broker.extendLease(bad, 1_000), InvalidArgumentError);
      await rejects(() => t.broker.release(bad), InvalidArgumentError);
    }
    await t.broker.ack(delivery);
    await t.broker.publish({ routingKey: 'order.created', payload: 1, messageId: 'browse-probe' });
    const [browsed] = await t.broker.browse('orders'); // not claimed: it holds no lease token
    await rejects(() => t.broker.ack(browsed), InvalidArgumentError, /browse/);
    await t.broker.ackMany(await t.broker.claim('orders'));
  });

  it('claim, consume, purge, redrive, queueStats and browse of a missing queue are QueueNotFoundError', async () => {
    await rejects(() => t.broker.claim('missing'), QueueNotFoundError, /"missing" does not exist/);
    await rejects(() => t.broker.consume('missing', () => undefined), QueueNotFoundError);
    await rejects(() => t.broker.purge('missing'), QueueNotFoundError);
    await rejects(() => t.broker.redrive('missing'), QueueNotFoundError);
    await rejects(() => t.broker.redrive('orders.dlq', { to: 'missing' }), QueueNotFoundError);
    await rejects(() => t.broker.queueStats('missing'), QueueNotFoundError);
    await rejects(() => t.broker.browse('missing'), QueueNotFoundError);
    // An empty queue that exists is just empty.
    expect(await t.broker.claim('orders')).toEqual([]);
    expect(await t.broker.purge('orders.dlq')).toBe(0);
    expect(await t.broker.redrive('orders.dlq')).toBe(0);
    expect(await t.broker.browse('orders')).toEqual([]);
    expect(await t.broker.queueStats('orders')).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
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
