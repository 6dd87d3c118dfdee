import type { HandledMessage } from '../../src/driver/broker-types.js';
import type { Delivery } from '../../src/message.js';
import type { RabbitMqBroker } from '../../src/drivers/rabbitmq/rabbitmq-broker.js';
import { waitFor } from '../../testing/index.js';
import { describeRabbitMq, uniqueQueue } from './rabbitmq-fixture.js';

describeRabbitMq('graceful stop', (rabbit) => {
  let broker: RabbitMqBroker;
  beforeAll(async () => {
    broker = await rabbit.broker();
  });

  it('stop gives prefetched messages back uncounted, aborts a handler past the grace period and its message returns counted', async () => {
    const queue = uniqueQueue('stop');
    await broker.declareQueue(queue);
    await broker.publishToQueue(queue, [1, 2, 3].map((n) => ({ routingKey: 'k', payload: n, messageId: `stop-${n}` })));
    const handled: HandledMessage[] = [];
    broker.onMessageHandled((m) => handled.push(m));
    let aborted = false;
    const consumer = await broker.consume(
      queue,
      (_d, control) =>
        new Promise<void>((resolve) =>
          control.signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          }),
        ),
      { concurrency: 1, prefetch: 2, shutdownGraceMs: 200 },
    );
    await waitFor(async () => (await broker.queueStats(queue)).leased === 3, { what: 'all three held' });
    expect(consumer.inFlight).toBe(1);
    const stopping = Date.now();
    await consumer.stop();
    expect(Date.now() - stopping).toBeGreaterThanOrEqual(200);
    expect(aborted).toBe(true);
    await waitFor(() => handled.length === 1);
    expect(handled[0].outcome).toBe('released');
    const back: Delivery[] = [];
    await waitFor(async () => back.push(...(await broker.claim(queue, { limit: 10 }))) >= 3);
    expect(back).toHaveLength(3);
    const attempts = Object.fromEntries(back.map((d) => [d.messageId, d.attempt]));
    expect(attempts).toEqual({ 'stop-1': 2, 'stop-2': 1, 'stop-3': 1 });
    await broker.ackMany(back);
  });
});
