import { RejectMessageError } from '../../src/errors.js';
import type { Delivery } from '../../src/message.js';
import type { RabbitMqBroker } from '../../src/drivers/rabbitmq/rabbitmq-broker.js';
import type { DeadLetterEvent } from '../../src/driver/dead-letter-event.js';
import { waitFor } from '../../testing/index.js';
import { describeRabbitMq, uniqueQueue } from './rabbitmq-fixture.js';

describeRabbitMq('consume, retry, dead letters, release, redrive', (rabbit) => {
  let broker: RabbitMqBroker;
  beforeAll(async () => {
    broker = await rabbit.broker();
  });

  it('a handler that returns acks its message; the consumer stops cleanly', async () => {
    const queue = uniqueQueue('ok');
    await broker.declareQueue(queue);
    const seen: Delivery[] = [];
    const handled: string[] = [];
    const off = broker.onMessageHandled((m) => handled.push(m.outcome));
    const consumer = await broker.consume(queue, (d) => void seen.push(d), { concurrency: 2 });
    expect(broker.consumerStatus.running).toContain(queue);
    await broker.publishToQueue(queue, [{ routingKey: 'a', payload: 1 }, { routingKey: 'b', payload: 2 }]);
    await waitFor(() => seen.length === 2 && handled.length === 2);
    expect(seen.map((d) => d.attempt)).toEqual([1, 1]);
    await consumer.stop();
    off();
    expect(broker.consumerStatus.stopped).toContain(queue);
    expect(await broker.queueStats(queue)).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
    expect(handled).toEqual(['acked', 'acked']);
  });

  it('a failing handler is retried after its backoff (never early), then dead-lettered with x-death and the error', async () => {
    const queue = uniqueQueue('flaky');
    await broker.declareQueue(queue, { maxAttempts: 3, retryBaseMs: 200, retryJitter: 0 });
    const attempts: { attempt: number; at: number; lastError: string | null }[] = [];
    const consumer = await broker.consume(queue, (d) => {
      attempts.push({ attempt: d.attempt, at: Date.now(), lastError: d.lastError });
      throw new Error(`boom ${d.attempt}`);
    });
    await broker.publishToQueue(queue, { routingKey: 'flaky.key', payload: { x: 1 }, messageId: 'flaky-1' });
    await waitFor(async () => (await broker.queueStats(`${queue}.dlq`)).ready === 1, { what: 'the dead letter' });
    await consumer.stop();
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(200); // 200 ms after attempt 1
    expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(400); // 400 ms after attempt 2
    expect(attempts[1].lastError).toMatch(/^Error: boom 1/);
    const [dead] = await broker.claim(`${queue}.dlq`);
    expect(dead).toMatchObject({ messageId: 'flaky-1', routingKey: 'flaky.key', payload: { x: 1 }, attempt: 1 });
    expect(dead.lastError).toMatch(/^Error: boom 3/);
    expect(dead.deaths).toEqual([expect.objectContaining({ queue, reason: 'delivery_limit', count: 1, routingKey: 'flaky.key', lastError: expect.stringMatching(/boom 3/) })]);
    await broker.ack(dead);
  });

  it('a RejectMessageError dead-letters at once; takeDeadLetterEvents hands the event over once, and repeats it after a failed take', async () => {
    const queue = uniqueQueue('poison');
    await broker.declareQueue(queue, { maxAttempts: 5 });
    let woken = 0;
    const off = await broker.onDeadLetterEvent(() => woken++);
    const consumer = await broker.consume(queue, () => {
      throw new RejectMessageError('cannot parse');
    });
    await broker.publishToQueue(queue, { routingKey: 'poison.key', payload: 'bad', messageId: 'poison-1' });
    await waitFor(async () => (await broker.queueStats(`${queue}.dlq`)).ready === 1);
    await consumer.stop();
    off();
    expect(woken).toBe(1);
    const [dead] = await broker.browse(`${queue}.dlq`);
    expect(dead.deaths[0]).toMatchObject({ queue, reason: 'rejected', count: 1 });

    await expect(broker.takeDeadLetterEvents(10, async () => Promise.reject(new Error('alert failed')))).rejects.toThrow('alert failed');
    const taken: DeadLetterEvent[] = [];
    // Events of other tests in this file may be there too.
    await waitFor(async () => {
      await broker.takeDeadLetterEvents(100, async (events) => void taken.push(...events));
      return taken.some((e) => e.messageId === 'poison-1');
    });
    const event = taken.find((e) => e.messageId === 'poison-1');
    expect(event).toMatchObject({ queue, deadLetterQueue: `${queue}.dlq`, routingKey: 'poison.key', reason: 'rejected', error: expect.stringMatching(/RejectMessageError: cannot parse/) });
    expect(event?.occurredAt).toBeInstanceOf(Date);
    expect(taken.filter((e) => e.messageId === 'poison-1')).toHaveLength(1);
    expect(await broker.takeDeadLetterEvents(100, async () => undefined)).toBe(0);
  });

  it('release gives the message back without counting the attempt; nack with reject drops it without a dead-letter queue', async () => {
    const queue = uniqueQueue('release');
    await broker.declareQueue(queue, { deadLetterQueue: null });
    await broker.publishToQueue(queue, { routingKey: 'r', payload: 1 });
    const [first] = await broker.claim(queue);
    expect(first.attempt).toBe(1);
    await broker.release(first);
    await expect(broker.release(first)).rejects.toMatchObject({ code: 'LEASE_LOST' });
    const [again] = await waitFor(() => broker.claim(queue));
    expect(again.attempt).toBe(1);
    await broker.nack(again, { delayMs: 0 });
    const [third] = await waitFor(() => broker.claim(queue));
    expect(third.attempt).toBe(2);
    expect(await broker.nack(third, { reject: true, error: 'no' })).toBe('dropped');
    expect((await broker.queueStats(queue)).ready).toBe(0);
  });

  it('redrive moves dead letters back to their queue with a fresh attempt count and their history, or to another queue', async () => {
    const queue = uniqueQueue('redrive');
    const other = uniqueQueue('elsewhere');
    await broker.declareQueue(queue, { maxAttempts: 1 });
    await broker.declareQueue(other);
    await broker.publishToQueue(queue, [1, 2, 3].map((n) => ({ routingKey: 'k', payload: n })));
    for (const d of await broker.claim(queue, { limit: 3 })) expect(await broker.nack(d, { error: 'fail' })).toBe('dead_lettered');
    expect((await broker.queueStats(`${queue}.dlq`)).ready).toBe(3);
    expect(await broker.redrive(`${queue}.dlq`, { limit: 2, ratePerSecond: 10 })).toBe(2);
    const back = await waitFor(() => broker.claim(queue, { limit: 5 }));
    expect(back).toHaveLength(2);
    expect(back.map((d) => d.attempt)).toEqual([1, 1]);
    expect(back[0].deaths[0]).toMatchObject({ queue, reason: 'delivery_limit' });
    await broker.ackMany(back);
    expect(await broker.redrive(`${queue}.dlq`, { to: other })).toBe(1);
    const [moved] = await waitFor(() => broker.claim(other));
    expect(moved.deaths[0]).toMatchObject({ queue });
    await broker.ack(moved);
    expect((await broker.queueStats(`${queue}.dlq`)).ready).toBe(0);
  });

  it('queueStats counts ready, held and delayed messages; purge empties a queue', async () => {
    const queue = uniqueQueue('stats');
    await broker.declareQueue(queue, { retryBaseMs: 60_000, retryJitter: 0 });
    await broker.publishToQueue(queue, [1, 2, 3].map((n) => ({ routingKey: 'k', payload: n })));
    const [held] = await broker.claim(queue);
    expect(await broker.queueStats(queue)).toEqual({ ready: 2, delayed: 0, leased: 1, leaseExpired: 0 });
    expect(await broker.nack(held)).toBe('retried');
    expect(await broker.queueStats(queue)).toEqual({ ready: 2, delayed: 1, leased: 0, leaseExpired: 0 });
    expect((await broker.queueDepths()).find((d) => d.queue === queue)).toMatchObject({ ready: 2, delayed: 1 });
    expect(await broker.purge(queue)).toBe(2);
    expect(broker.maintenanceChores()).toEqual([]);
  });
});
