import amqp from 'amqplib';
import { QueueInUseError } from '../../src/errors.js';
import type { DeadLetterEvent } from '../../src/driver/dead-letter-event.js';
import type { RabbitMqBroker } from '../../src/drivers/rabbitmq/rabbitmq-broker.js';
import { RetryMessageError } from '../../src/errors.js';
import { waitFor } from '../../testing/index.js';
import { describeRabbitMq, uniqueQueue } from './rabbitmq-fixture.js';

describeRabbitMq("RabbitMQ's own dead-lettering, handler-chosen retries, deletes", (rabbit) => {
  let broker: RabbitMqBroker;
  beforeAll(async () => {
    broker = await rabbit.broker();
  });

  it('the delivery-limit backstop and a body that is not JSON reach the dead-letter queue and the events through the queue arguments', async () => {
    const queue = uniqueQueue('native');
    await broker.declareQueue(queue, { maxAttempts: 1 });
    // A client outside the driver returns the message twice (over x-delivery-limit 1): RabbitMQ dead-letters it.
    const raw = await amqp.connect(rabbit.vhost.url);
    const channel = await raw.createChannel();
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 'looping', messageId: 'loop-1' });
    for (let i = 0; i < 2; i++) {
      const message = await waitFor(async () => (await channel.get(queue)) || null);
      channel.nack(message, false, true);
    }
    channel.sendToQueue(queue, Buffer.from('not json'), { messageId: 'garbage-1' });
    const consumer = await broker.consume(queue, () => undefined);
    await waitFor(async () => (await broker.queueStats(`${queue}.dlq`)).ready === 2, { what: 'two dead letters' });
    await consumer.stop();
    await raw.close();
    const events: DeadLetterEvent[] = [];
    await waitFor(async () => {
      await broker.takeDeadLetterEvents(50, async (batch) => void events.push(...batch));
      return events.filter((e) => e.queue === queue).length >= 2;
    });
    const byId = Object.fromEntries(events.filter((e) => e.queue === queue).map((e) => [e.messageId, e]));
    expect(byId['loop-1']).toMatchObject({ reason: 'delivery_limit', deadLetterQueue: `${queue}.dlq`, routingKey: 'k', error: null }); // RabbitMQ's, not the driver's
    expect(byId['garbage-1']).toMatchObject({ reason: 'rejected', deadLetterQueue: `${queue}.dlq` });
  });

  it('a RetryMessageError retries after its own delay; control.extendLease is refused; control.nack settles', async () => {
    const queue = uniqueQueue('retry-after');
    await broker.declareQueue(queue, { retryBaseMs: 10 });
    const seen: { attempt: number; at: number }[] = [];
    const consumer = await broker.consume(queue, async (d, control) => {
      seen.push({ attempt: d.attempt, at: Date.now() });
      if (d.attempt === 1) throw new RetryMessageError('later', { delayMs: 300 });
      await expect(control.extendLease(1000)).rejects.toMatchObject({ code: 'CAPABILITY_NOT_SUPPORTED' });
      if (d.attempt === 2) await control.nack({ delayMs: 0, error: 'by hand' });
    });
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 1 });
    await waitFor(() => seen.length === 3);
    await consumer.stop();
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(300);
    expect(await broker.queueStats(queue)).toMatchObject({ ready: 0, leased: 0 });
  });

  it('deleteQueue refuses a dead-letter queue in use and, with ifEmpty, a queue holding messages', async () => {
    const queue = uniqueQueue('delete');
    await broker.declareQueue(queue);
    await expect(broker.deleteQueue(`${queue}.dlq`)).rejects.toBeInstanceOf(QueueInUseError);
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 1 });
    await expect(broker.deleteQueue(queue, { ifEmpty: true })).rejects.toBeInstanceOf(QueueInUseError);
    expect(await broker.deleteQueue(queue)).toBe(1);
    expect(await broker.deleteQueue(`${queue}.dlq`)).toBe(0);
    expect((await broker.listQueues()).map((q) => q.name)).not.toContain(queue);
  });
});
