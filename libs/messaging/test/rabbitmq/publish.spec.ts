import { PayloadTooLargeError, QueueNotFoundError, QueueOptionsConflictError, UnroutableMessageError } from '../../src/errors.js';
import amqp from 'amqplib';
import { CapabilityNotSupportedError, PublishNotConfirmedError } from '../../src/errors.js';
import type { RabbitMqBroker } from '../../src/drivers/rabbitmq/rabbitmq-broker.js';
import { describeRabbitMq, uniqueQueue } from './rabbitmq-fixture.js';

describeRabbitMq('topology and publish with confirms', (rabbit) => {
  let broker: RabbitMqBroker;
  beforeAll(async () => {
    broker = await rabbit.broker({ maxPayloadBytes: 1024 });
  });

  it('declares a quorum queue with its dead-letter queue, binds it, and publishes with confirms', async () => {
    const queue = uniqueQueue('orders');
    const info = await broker.declareQueue(queue, { maxAttempts: 3 });
    expect(info.options).toMatchObject({ maxAttempts: 3, deadLetterQueue: `${queue}.dlq` });
    await broker.getQueue(`${queue}.dlq`);
    await broker.bindQueue(queue, 'order.*.created');
    await broker.bindQueue(queue, 'order.*.created'); // idempotent
    expect((await broker.getQueue(queue)).bindings).toEqual(['order.*.created']);
    const result = await broker.publish([
      { routingKey: 'order.eu.created', payload: { n: 1 }, messageId: 'm-1', headers: { tenant: 'a' } },
      { routingKey: 'order.us.created', payload: { n: 2 } },
    ]);
    expect(result).toMatchObject({ copies: 2, unroutable: [], duplicates: [] });
    expect(result.messageIds[0]).toBe('m-1');
    expect((await broker.queueStats(queue)).ready).toBe(2);
    const [first] = await broker.claim(queue);
    expect(first).toMatchObject({ messageId: 'm-1', routingKey: 'order.eu.created', payload: { n: 1 }, attempt: 1, queue, lastError: null, deaths: [] });
    expect(first.headers).toMatchObject({ tenant: 'a' });
    expect(Object.keys(first.headers).some((h) => h.startsWith('x-'))).toBe(false);
    await broker.ack(first);
    await expect(broker.ack(first)).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(await broker.unbindQueue(queue, 'order.*.created')).toBe(true);
    await expect(broker.publish({ routingKey: 'order.eu.created', payload: {} })).rejects.toBeInstanceOf(UnroutableMessageError);
  });

  it('an unroutable message throws UnroutableMessageError naming it, or is reported with mandatory: report', async () => {
    const queue = uniqueQueue('routed');
    await broker.declareQueue(queue);
    await broker.bindQueue(queue, 'routed.#');
    const error = await broker.publish([{ routingKey: 'routed.x', payload: 1 }, { routingKey: 'nowhere.x', payload: 2, messageId: 'lost-1' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnroutableMessageError);
    expect(error).toMatchObject({ routingKeys: ['nowhere.x'], messageIds: ['lost-1'] });
    const report = await broker.publish([{ routingKey: 'routed.y', payload: 3 }, { routingKey: 'nowhere.y', payload: 4, messageId: 'lost-2' }], { mandatory: 'report' });
    expect(report).toMatchObject({ unroutable: ['lost-2'], copies: 1 });
  });

  it('refuses too large a payload, a transaction and a deduplication window with typed errors, sending nothing', async () => {
    const queue = uniqueQueue('limits');
    await broker.declareQueue(queue);
    await broker.bindQueue(queue, 'limits');
    await expect(broker.publish([{ routingKey: 'limits', payload: 'ok' }, { routingKey: 'limits', payload: 'x'.repeat(2000) }])).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(broker.publish({ routingKey: 'limits', payload: 1 }, { deduplicationWindowMs: 1000 })).rejects.toBeInstanceOf(CapabilityNotSupportedError);
    await expect(broker.publish({ routingKey: 'limits', payload: 1 }, { transaction: {} as never })).rejects.toMatchObject({ capability: 'transactionalPublish' });
    await expect(broker.extendLease({} as never, 1000)).rejects.toMatchObject({ capability: 'leaseExtension' });
    expect((await broker.queueStats(queue)).ready).toBe(0);
  });

  it('publishToQueue goes straight to the queue, and throws QueueNotFoundError for a missing one', async () => {
    const queue = uniqueQueue('direct');
    await broker.declareQueue(queue);
    await broker.publishToQueue(queue, { routingKey: 'anything', payload: 'hi' });
    const [delivery] = await broker.claim(queue);
    expect(delivery).toMatchObject({ routingKey: 'anything', payload: 'hi' });
    await broker.ack(delivery);
    await expect(broker.publishToQueue(uniqueQueue('missing'), { routingKey: 'x', payload: 1 })).rejects.toBeInstanceOf(QueueNotFoundError);
  });

  it('a re-declare with other options or an update is QueueOptionsConflictError; the broker keeps working', async () => {
    const queue = uniqueQueue('conflict');
    await broker.declareQueue(queue, { maxAttempts: 2 });
    await broker.declareQueue(queue, { maxAttempts: 2 });
    await expect(broker.declareQueue(queue, { maxAttempts: 4 })).rejects.toBeInstanceOf(QueueOptionsConflictError);
    await expect(broker.updateQueue(queue, { retryBaseMs: 5 })).rejects.toThrow(/immutable/);
    expect((await broker.updateQueue(queue, { maxAttempts: 2 })).options.maxAttempts).toBe(2);
    await expect(broker.getQueue(uniqueQueue('nope'))).rejects.toBeInstanceOf(QueueNotFoundError);
    await expect(broker.bindQueue(uniqueQueue('nope'), '#')).rejects.toBeInstanceOf(QueueNotFoundError);
    await broker.ping();
    expect(await broker.deleteQueue(queue)).toBe(0);
  });

  it('a publish RabbitMQ nacks (a full queue that rejects publishes) is PublishNotConfirmedError, not a silent drop', async () => {
    const queue = uniqueQueue('full');
    const raw = await amqp.connect(rabbit.vhost.url);
    const channel = await raw.createChannel();
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic', 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    await raw.close();
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 1 });
    const error = await broker.publishToQueue(queue, { routingKey: 'k', payload: 2, messageId: 'refused-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishNotConfirmedError);
    expect(error).toMatchObject({ messageIds: ['refused-1'] });
    expect((await broker.queueStats(queue)).ready).toBe(1);
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 3 }).catch(() => undefined); // the channel still works
    await broker.ping();
  });

  it('a delayed publish waits at least its delay (rounded up), then is routed', async () => {
    const queue = uniqueQueue('later');
    await broker.declareQueue(queue);
    await broker.bindQueue(queue, 'later');
    const sentAt = Date.now();
    await broker.publish({ routingKey: 'later', payload: 'soon', delayMs: 420 });
    expect(await broker.claim(queue)).toEqual([]);
    let claimed: Awaited<ReturnType<RabbitMqBroker['claim']>> = [];
    while (claimed.length === 0 && Date.now() - sentAt < 5000) claimed = await broker.claim(queue);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(420);
    expect(claimed[0]).toMatchObject({ routingKey: 'later', payload: 'soon', attempt: 1 });
    await broker.ack(claimed[0]);
  });
});
