import { Broker } from '@app/messaging';
import { createTestDatabase, type TestDatabase } from '@app/messaging/testing';
import { deleteWorkerQueues } from './remove-worker.js';

describe('npm run remove:worker: the queues', () => {
  let db: TestDatabase;
  let broker: Broker;
  beforeAll(async () => {
    db = await createTestDatabase('remove_worker');
    broker = await Broker.connect({ connectionString: db.url, poolSize: 1 });
  });
  afterAll(async () => {
    await broker.close();
    await db.drop();
  });

  it("deletes the worker's queues and their dead-letter queues with their messages, and no one else's", async () => {
    for (const queue of ['shipping.order-created', 'shipping.ShippingHandler.onLabel', 'shippingx.order-created', 'orders.order-processor']) {
      await broker.declareQueue(queue);
      await broker.bindQueue(queue, 'order.created');
    }
    await broker.publish({ routingKey: 'order.created', payload: { id: 'o-1' } });
    expect(await deleteWorkerQueues(db.url, 'shipping')).toEqual([
      { queue: 'shipping.ShippingHandler.onLabel', messages: 1 },
      { queue: 'shipping.order-created', messages: 1 },
      { queue: 'shipping.ShippingHandler.onLabel.dlq', messages: 0 },
      { queue: 'shipping.order-created.dlq', messages: 0 },
    ]);
    expect((await broker.listQueues()).map((q) => q.name).sort()).toEqual(['orders.order-processor', 'orders.order-processor.dlq', 'shippingx.order-created', 'shippingx.order-created.dlq']);
    expect((await broker.queueStats('shippingx.order-created')).ready).toBe(1);
    expect(await deleteWorkerQueues(db.url, 'shipping')).toEqual([]);
  });
});
