import { createTestBroker, signal, waitFor, type TestBroker } from '../testing/index.js';

describe('graceful shutdown', () => {
  let t: TestBroker;

  beforeAll(async () => {
    t = await createTestBroker('shutdown');
  });
  afterAll(() => t.cleanup());

  async function attemptsById(queue: string): Promise<Map<string, number>> {
    const rows = await t.query<{ message_id: string; attempts: number }>(
      `SELECT message_id, attempts FROM "${t.schema}".messages WHERE queue = $1`,
      [queue],
    );
    return new Map(rows.map((r) => [r.message_id, r.attempts]));
  }

  it('stops claiming, lets running handlers finish, and gives back prefetched messages without counting their attempt', async () => {
    await t.broker.declareQueue('orders');
    await t.broker.bindQueue('orders', 'orders');
    await t.broker.publish(Array.from({ length: 6 }, (_, n) => ({ routingKey: 'orders', payload: n })));
    const finish = signal();
    const started: number[] = [];
    const consumer = await t.broker.consume<number>('orders', async (d) => {
      started.push(d.payload);
      await finish.promise;
    }, { concurrency: 2, prefetch: 4 });
    await waitFor(() => started.length === 2, { what: 'two running handlers' });
    const stopping = consumer.stop();
    finish.resolve();
    await stopping;

    expect(started).toEqual([0, 1]);
    const left = await attemptsById('orders');
    expect(left.size).toBe(4);
    expect([...left.values()]).toEqual([0, 0, 0, 0]);
    expect(await t.broker.queueStats('orders')).toEqual({ ready: 4, delayed: 0, leased: 0, leaseExpired: 0 });
  });

  it('after the grace period, a handler still running is aborted and its message released (the attempt counts)', async () => {
    await t.broker.declareQueue('slow');
    await t.broker.bindQueue('slow', 'slow');
    const { messageIds } = await t.broker.publish({ routingKey: 'slow', payload: 'x' });
    let aborted = false;
    const running = signal();
    const consumer = await t.broker.consume('slow', async (_d, control) => {
      running.resolve();
      await new Promise<void>((resolve) => control.signal.addEventListener('abort', () => resolve()));
      aborted = control.signal.aborted;
    }, { shutdownGraceMs: 100 });
    await running.promise;
    await consumer.stop();
    expect(aborted).toBe(true);
    expect(await attemptsById('slow')).toEqual(new Map([[messageIds[0], 1]]));
    const [again] = await t.broker.claim('slow');
    expect(again.attempt).toBe(2);
  });

  it('broker.close() stops its consumers and refuses further use', async () => {
    const other = await createTestBroker('shutdown_close');
    await other.broker.declareQueue('q');
    await other.broker.consume('q', () => undefined);
    await other.cleanup();
    await expect(other.broker.publish({ routingKey: 'q', payload: 1 })).rejects.toThrow('closed');
  });
});
