import { lastValueFrom } from 'rxjs';
import type pg from 'pg';
import {
  Broker,
  Inbox,
  InvalidArgumentError,
  InvalidNameError,
  MessagingModule,
  migrateDatabase,
  Outbox,
  PayloadNotSerializableError,
  PayloadTooLargeError,
  PgClient,
  PgRecordBuilder,
  SERVICE_MIGRATIONS,
  type Delivery,
} from '../src/index.js';
import { createTestBroker, testPool, uniqueSchemaName, type TestBroker } from '../testing/index.js';
import { BAD_HEADERS, BAD_MESSAGE_IDS, BAD_NUMBERS, BAD_QUEUE_NAMES, BAD_TOPICS, badPayloads } from './hostile/bad-values.js';

type ErrorClass = new (...args: never[]) => Error;
const MAX_PAYLOAD_BYTES = 4096;

describe('every public entry point refuses hostile input with a typed error and writes nothing', () => {
  let t: TestBroker;
  let pool: pg.Pool;
  let serviceSchema: string;
  let outbox: Outbox;
  let inbox: Inbox<pg.PoolClient>;
  let client: PgClient;
  let held: Delivery;

  beforeAll(async () => {
    t = await createTestBroker('hostile', { maxPayloadBytes: MAX_PAYLOAD_BYTES });
    serviceSchema = uniqueSchemaName('hostile_service');
    await migrateDatabase(t.url, serviceSchema, SERVICE_MIGRATIONS);
    pool = testPool(t.url, 2);
    outbox = new Outbox({ schema: serviceSchema, maxPayloadBytes: MAX_PAYLOAD_BYTES });
    inbox = Inbox.forPool(pool, { schema: serviceSchema });
    client = new PgClient({ broker: t.broker });
    await t.broker.declareQueue('orders', { maxAttempts: 2 });
    await t.broker.bindQueue('orders', 'order.*');
    await t.broker.publish({ routingKey: 'order.held', payload: 1, messageId: 'held-1' });
    [held] = await t.broker.claim('orders', { leaseMs: 600_000 });
  });
  afterAll(async () => {
    await client.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${serviceSchema}" CASCADE`);
    await pool.end();
    await t.cleanup();
  });

  /** Row counts of every table a call could write, in the broker's schema and the service's. */
  async function counts(): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const [schema, tables] of [
      [t.schema, ['queues', 'bindings', 'messages', 'deduplication', 'dead_letter_events']],
      [serviceSchema, ['outbox', 'inbox']],
    ] as const) {
      for (const table of tables) result[`${schema === t.schema ? 'broker' : 'service'}.${table}`] = (await t.query(`SELECT count(*)::int AS n FROM "${schema}".${table}`))[0].n;
    }
    const [lease] = await t.query(`SELECT lease_token::text AS token, attempts FROM "${t.schema}".messages WHERE id = $1`, [held.id]);
    result.heldLease = lease.token === held.leaseToken ? lease.attempts : -1;
    return result;
  }

  /** The call fails with `type`, its message matches `message`, and no table changed. */
  async function refused(call: () => unknown, type: ErrorClass, message: RegExp): Promise<void> {
    const before = await counts();
    const error = await (async () => call())().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message.length).toBeLessThan(600);
    expect(await counts()).toEqual(before);
  }

  const message = (overrides: Record<string, unknown> = {}) => ({ routingKey: 'order.created', payload: { ok: true }, ...overrides });
  const inTransaction = <R>(work: (c: pg.PoolClient) => Promise<R>) =>
    pool.connect().then(async (c) => {
      try {
        await c.query('BEGIN');
        const result = await work(c);
        await c.query('COMMIT');
        return result;
      } catch (error) {
        await c.query('ROLLBACK');
        throw error;
      } finally {
        c.release();
      }
    });

  const queueNameCalls: [string, (name: never) => unknown][] = [
    ['declareQueue', (name) => t.broker.declareQueue(name)],
    ['declareQueue deadLetterQueue', (name) => t.broker.declareQueue('fresh', { deadLetterQueue: name })],
    ['updateQueue', (name) => t.broker.updateQueue(name, { maxAttempts: 3 })],
    ['getQueue', (name) => t.broker.getQueue(name)],
    ['bindQueue', (name) => t.broker.bindQueue(name, 'order.*')],
    ['unbindQueue', (name) => t.broker.unbindQueue(name, 'order.*')],
    ['deleteQueue', (name) => t.broker.deleteQueue(name)],
    ['publishToQueue', (name) => t.broker.publishToQueue(name, message())],
    ['claim', (name) => t.broker.claim(name)],
    ['consume', (name) => t.broker.consume(name, () => undefined)],
    ['queueStats', (name) => t.broker.queueStats(name)],
    ['browse', (name) => t.broker.browse(name)],
    ['redrive', (name) => t.broker.redrive(name)],
    ['redrive to', (name) => t.broker.redrive('orders.dlq', { to: name })],
    ['purge', (name) => t.broker.purge(name)],
    ['Inbox.process consumer', (name) => inbox.process({ messageId: 'm-1', consumer: name }, async () => 1)],
  ];
  // deadLetterQueue: null is valid (no dead-letter queue, as RabbitMQ without a DLX).
  const queueNameCases = queueNameCalls.flatMap(([call, run]) =>
    BAD_QUEUE_NAMES.filter(([, name]) => !(call.endsWith('deadLetterQueue') && name === null)).map(([what, name]) => [call, what, run, name] as const),
  );
  it.each(queueNameCases)(
    '%s refuses a queue name that is %s: InvalidNameError',
    async (_call, _what, run, name) => {
      await refused(() => run(name as never), InvalidNameError, /Invalid (queue|dead-letter queue|inbox consumer) name|queue name/i);
    },
  );

  const topicCalls: [string, (value: never) => unknown, RegExp][] = [
    ['bindQueue pattern', (p) => t.broker.bindQueue('orders', p), /binding pattern/],
    ['unbindQueue pattern', (p) => t.broker.unbindQueue('orders', p), /binding pattern/],
    ['publish routingKey', (k) => t.broker.publish(message({ routingKey: k })), /routing key/],
    ['publishToQueue routingKey', (k) => t.broker.publishToQueue('orders', message({ routingKey: k })), /routing key/],
    ['Outbox.publish routingKey', (k) => inTransaction((c) => outbox.publish(message({ routingKey: k }), { transaction: c })), /routing key/],
    ['PgClient.emit pattern', (k) => lastValueFrom(client.emit(k, { ok: true })), /routing key|pattern/],
  ];
  // Nest turns a pattern into text before a transport sees it: emit(7) is the routing key "7", a valid one.
  const topicCases = topicCalls.flatMap(([call, run, reason]) =>
    BAD_TOPICS.filter(([, value]) => !(call.startsWith('PgClient') && (typeof value === 'number' || value === null))).map(
      ([what, value]) => [call, what, run, value, reason] as const,
    ),
  );
  it.each(topicCases)(
    '%s refuses %s: InvalidNameError',
    async (_call, _what, run, value, reason) => {
      await refused(() => run(value as never), InvalidNameError, reason);
    },
  );

  it.each(BAD_TOPICS.filter(([, v]) => typeof v === 'string'))('Outbox.publish refuses an orderingKey of %s: InvalidArgumentError', async (_what, key) => {
    await refused(() => inTransaction((c) => outbox.publish({ ...message(), orderingKey: key as string }, { transaction: c })), InvalidArgumentError, /orderingKey/);
  });

  const messageIdCalls: [string, (id: never) => unknown][] = [
    ['publish', (id) => t.broker.publish(message({ messageId: id }))],
    ['publishToQueue', (id) => t.broker.publishToQueue('orders', message({ messageId: id }))],
    ['Outbox.publish', (id) => inTransaction((c) => outbox.publish(message({ messageId: id }), { transaction: c }))],
    ['Inbox.process', (id) => inbox.process({ messageId: id, consumer: 'c' }, async () => 1)],
    ['PgRecordBuilder.setMessageId + emit', (id) => lastValueFrom(client.emit('order.created', new PgRecordBuilder({}).setMessageId(id).build()))],
  ];
  it.each(messageIdCalls.flatMap(([call, run]) => BAD_MESSAGE_IDS.map(([what, id]) => [call, what, run, id] as const)))(
    '%s refuses a message id that is %s: InvalidNameError',
    async (_call, _what, run, id) => {
      await refused(() => run(id as never), InvalidNameError, /message id/);
    },
  );

  const headerCalls: [string, (headers: never) => unknown][] = [
    ['publish', (h) => t.broker.publish(message({ headers: h }))],
    ['publishToQueue', (h) => t.broker.publishToQueue('orders', message({ headers: h }))],
    ['Outbox.publish', (h) => inTransaction((c) => outbox.publish(message({ headers: h }), { transaction: c }))],
    ['PgRecordBuilder.setHeaders + emit', (h) => lastValueFrom(client.emit('order.created', new PgRecordBuilder({}).setHeaders(h).build()))],
  ];
  it.each(headerCalls.flatMap(([call, run]) => BAD_HEADERS.map(([what, headers]) => [call, what, run, headers] as const)))(
    '%s refuses headers with %s: InvalidNameError',
    async (_call, _what, run, headers) => {
      await refused(() => run(headers as never), InvalidNameError, /header/i);
    },
  );

  const payloadCalls: [string, (payload: unknown) => unknown][] = [
    ['publish', (payload) => t.broker.publish({ routingKey: 'order.created', payload })],
    ['publish (a batch, the bad one last)', (payload) => t.broker.publish([message(), { routingKey: 'order.created', payload }])],
    ['publishToQueue', (payload) => t.broker.publishToQueue('orders', { routingKey: 'order.created', payload })],
    ['Outbox.publish', (payload) => inTransaction((c) => outbox.publish({ routingKey: 'order.created', payload }, { transaction: c }))],
    ['PgClient.emit', (payload) => lastValueFrom(client.emit('order.created', payload))],
  ];
  // Nest's ClientProxy refuses emit(pattern, undefined) itself (InvalidMessageException) before the transport runs.
  const payloadCases = payloadCalls.flatMap(([call, run]) =>
    badPayloads(MAX_PAYLOAD_BYTES)
      .filter(([what]) => !(call === 'PgClient.emit' && what === 'undefined'))
      .map(([what, payload, reason]) => [call, what, run, payload, reason] as const),
  );
  it.each(payloadCases)(
    '%s refuses a payload %s: a typed error naming why',
    async (_call, what, run, payload, reason) => {
      const type = /size limit|MB/.test(what) ? PayloadTooLargeError : PayloadNotSerializableError;
      await refused(() => run(payload), type, reason);
    },
  );

  const numberCalls: [string, (value: never) => unknown][] = [
    ['claim limit', (v) => t.broker.claim('orders', { limit: v })],
    ['claim leaseMs', (v) => t.broker.claim('orders', { leaseMs: v })],
    ['extendLease', (v) => t.broker.extendLease(held, v)],
    ['nack delayMs', (v) => t.broker.nack(held, { delayMs: v })],
    ['redrive limit', (v) => t.broker.redrive('orders.dlq', { limit: v })],
    ['redrive ratePerSecond', (v) => t.broker.redrive('orders.dlq', { ratePerSecond: v })],
    ...(['leaseMs', 'maxAttempts', 'retryBaseMs', 'retryMaxMs', 'retryJitter'] as const).map(
      (option): [string, (value: never) => unknown] => [`declareQueue ${option}`, (v) => t.broker.declareQueue('fresh', { [option]: v })],
    ),
    ['publish delayMs', (v) => t.broker.publish(message({ delayMs: v }))],
    ['publish deduplicationWindowMs', (v) => t.broker.publish(message({ messageId: 'dedup-1' }), { deduplicationWindowMs: v })],
    ['publishToQueue delayMs', (v) => t.broker.publishToQueue('orders', message({ delayMs: v }))],
    ['Outbox.publish delayMs', (v) => inTransaction((c) => outbox.publish(message({ delayMs: v }), { transaction: c }))],
    ...(['concurrency', 'prefetch', 'maxClaimBatch', 'pollIntervalMs', 'shutdownGraceMs', 'leaseMs'] as const).map(
      (option): [string, (value: never) => unknown] => [`consume ${option}`, (v) => t.broker.consume('orders', () => undefined, { [option]: v })],
    ),
    ['Broker.connect poolSize', (v) => Broker.connect({ connectionString: t.url, schema: t.schema, poolSize: v })],
    ['Broker.connect maxPayloadBytes', (v) => Broker.connect({ connectionString: t.url, schema: t.schema, maxPayloadBytes: v })],
    ['MessagingModule.forRoot poolSize', (v) => MessagingModule.forRoot({ connectionString: t.url, poolSize: v })],
    ['MessagingModule.forRoot maxPayloadBytes', (v) => MessagingModule.forRoot({ connectionString: t.url, maxPayloadBytes: v })],
    ['new Outbox maxPayloadBytes', (v) => new Outbox({ schema: serviceSchema, maxPayloadBytes: v })],
    ['new Inbox retentionMs', (v) => Inbox.forPool(pool, { schema: serviceSchema, retentionMs: v })],
    ['PgRecordBuilder.setDelay', (v) => lastValueFrom(client.emit('order.created', new PgRecordBuilder({}).setDelay(v).build()))],
    [
      'PgRecordBuilder.setDeduplicationWindow',
      (v) => lastValueFrom(client.emit('order.created', new PgRecordBuilder({}).setMessageId('m').setDeduplicationWindow(v).build())),
    ],
  ];
  it.each(numberCalls.flatMap(([call, run]) => BAD_NUMBERS.map(([what, value]) => [call, what, run, value] as const)))(
    '%s refuses %s: InvalidArgumentError naming the option',
    async (call, _what, run, value) => {
      const option = call.split(' ').at(-1)!.replace(/^.*\.set/, '');
      await refused(() => run(value as never), InvalidArgumentError, new RegExp(option === 'extendLease' ? 'lease' : option, 'i'));
    },
  );

  it.each([
    ['an invalid Date', new Date(NaN)],
    ['a string', '2030-01-01'],
    ['a number', Date.now() + 1000],
  ])('deliverAt of %s is refused everywhere: InvalidArgumentError', async (_what, deliverAt) => {
    await refused(() => t.broker.publish(message({ deliverAt })), InvalidArgumentError, /deliverAt/);
    await refused(() => t.broker.nack(held, { deliverAt: deliverAt as Date }), InvalidArgumentError, /deliverAt/);
    await refused(() => new PgRecordBuilder({}).setDeliverAt(deliverAt as Date).build(), InvalidArgumentError, /deliverAt/);
  });

  const badDeliveries: [string, unknown][] = [
    ['null', null],
    ['a string', 'held-1'],
    ['an id with SQL', { id: '1 OR 1=1', leaseToken: '00000000-0000-4000-8000-000000000000' }],
    ['an id beyond bigint', { id: '9223372036854775808', leaseToken: '00000000-0000-4000-8000-000000000000' }],
    ['a lease token with SQL', { id: '1', leaseToken: "' OR ''='" }],
    ['a number id', { id: 1, leaseToken: '00000000-0000-4000-8000-000000000000' }],
  ];
  const settleCalls: [string, (delivery: never) => unknown][] = [
    ['ack', (d) => t.broker.ack(d)],
    ['ackMany', (d) => t.broker.ackMany([d])],
    ['nack', (d) => t.broker.nack(d)],
    ['nackMany', (d) => t.broker.nackMany([d])],
    ['extendLease', (d) => t.broker.extendLease(d, 1000)],
    ['release', (d) => t.broker.release(d)],
  ];
  it.each(settleCalls.flatMap(([call, run]) => badDeliveries.map(([what, d]) => [call, what, run, d] as const)))(
    '%s refuses a delivery that is %s: InvalidArgumentError',
    async (_call, _what, run, delivery) => {
      await refused(() => run(delivery as never), InvalidArgumentError, /deliver|lease token/i);
    },
  );

  const optionCases: [() => unknown, ErrorClass, RegExp][] = [
    [() => t.broker.publish(message(), { mandatory: 'sometimes' as never }), InvalidArgumentError, /mandatory/],
    [() => t.broker.publish(message({ priority: 9 })), InvalidArgumentError, /"priority"/],
    [() => t.broker.declareQueue('fresh', { maxLength: 10 } as never), InvalidArgumentError, /maxLength/],
    [() => t.broker.claim('orders', { wait: true } as never), InvalidArgumentError, /wait/],
    [() => t.broker.consume('orders', () => undefined, { listen: 'yes' as never }), InvalidArgumentError, /listen/],
    [() => t.broker.consume('orders', 'handler' as never), InvalidArgumentError, /handler/],
    [() => t.broker.nack(held, { reject: 'yes' as never }), InvalidArgumentError, /reject/],
    [() => t.broker.redrive('orders.dlq', { everything: true } as never), InvalidArgumentError, /everything/],
    [() => inTransaction((c) => outbox.publish(message(), { transaction: c, mandatory: 'report' } as never)), InvalidArgumentError, /mandatory/],
    [() => outbox.publish(message(), {} as never), InvalidArgumentError, /transaction/],
    [() => Broker.connect({ connectionString: t.url, schema: 'Bad"Schema' }), InvalidNameError, /schema/],
    [() => Broker.connect({ connectionString: t.url, schema: t.schema, pgbouncer: 'true' as never }), InvalidArgumentError, /pgbouncer/],
    [() => new Outbox({ schema: 'x; DROP SCHEMA public' }), InvalidNameError, /schema/],
    [() => Inbox.forPool(pool, { schema: "x'" }), InvalidNameError, /schema/],
    [() => MessagingModule.forRoot({ connectionString: t.url, schema: 'a-b' }), InvalidNameError, /schema/],
    [() => new PgRecordBuilder({}).setDelay(10).setDeliverAt(new Date(Date.now() + 1000)).build(), InvalidArgumentError, /both|delay|deliverAt/],
  ];
  it.each(optionCases.map(([call, type, reason]) => [reason.source, call, type, reason] as const))(
    'refuses unknown and wrongly typed options (%s): a typed error',
    async (_name, call, type, reason) => {
      await refused(call, type, reason);
    },
  );

  it('leaves Object.prototype untouched after the __proto__ payloads', () => {
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('still works after all of it (a control): publish, claim and ack', async () => {
    await t.broker.publish(message({ messageId: 'control' }));
    const claimed = await t.broker.claim('orders', { limit: 10 });
    expect(claimed.map((d) => d.messageId)).toEqual(['control']);
    await t.broker.ackMany(claimed);
  });
});
