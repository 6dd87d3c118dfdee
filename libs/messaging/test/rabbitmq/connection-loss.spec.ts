import type { Delivery } from '../../src/message.js';
import type { RabbitMqBroker } from '../../src/drivers/rabbitmq/rabbitmq-broker.js';
import { signal, waitFor } from '../../testing/index.js';
import { describeRabbitMq, uniqueQueue } from './rabbitmq-fixture.js';

describeRabbitMq('connection loss and request-reply', (rabbit) => {
  let broker: RabbitMqBroker;
  beforeAll(async () => {
    broker = await rabbit.broker({ connectionName: 'connection-loss-spec' });
  });

  it('a connection closed by the server mid-handling: the delivery comes back once, attempt counted, the stale ack is refused, the consumer resumes', async () => {
    const queue = uniqueQueue('crash');
    await broker.declareQueue(queue);
    const seen: Delivery[] = [];
    const gates = [signal(), signal()];
    const consumer = await broker.consume(queue, async (d) => {
      seen.push(d);
      await gates[seen.length - 1]?.promise;
    });
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 'survivor', messageId: 'crash-1' });
    await waitFor(() => seen.length === 1);
    expect(await rabbit.vhost.closeConnections('test: connection killed')).toBe(1);
    await waitFor(() => broker.connectionState === 'disconnected' || seen.length === 2, { what: 'the loss' });
    await waitFor(() => seen.length === 2, { what: 'the redelivery' });
    expect(broker.connectionState).toBe('connected');
    expect(seen.map((d) => [d.messageId, d.attempt])).toEqual([['crash-1', 1], ['crash-1', 2]]);
    expect(seen[1].id).not.toBe(seen[0].id);

    // The first handler finishes now: its ack belongs to the dead channel and must not reach the new one, where
    // delivery tag 1 is the redelivered copy, still held by the second handler.
    const warnings = rabbit.logger.at('warn').length;
    gates[0].resolve();
    await waitFor(() => rabbit.logger.at('warn').slice(warnings).some((l) => /Could not settle crash-1/.test(l.message)));
    expect(String(rabbit.logger.at('warn').slice(warnings).find((l) => /Could not settle/.test(l.message))?.context[0])).toMatch(/lease is no longer held/);
    expect(await broker.queueStats(queue)).toMatchObject({ ready: 0, leased: 1 });

    gates[1].resolve();
    await waitFor(async () => (await broker.queueStats(queue)).leased === 0);
    // Had the stale ack reached the new channel, this ack of the same tag would be an unknown tag there: the
    // channel would close (PRECONDITION_FAILED) and the consumer resubscribe.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(rabbit.logger.at('warn').slice(warnings).filter((l) => /lost its channel/.test(l.message))).toEqual([]);
    await consumer.stop();
    expect(await broker.queueStats(queue)).toMatchObject({ ready: 0, leased: 0 });
    expect(seen).toHaveLength(2);
    // The consumer is on the new connection: a new message reaches it.
    const next = await broker.consume(queue, (d) => void seen.push(d));
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 'after', messageId: 'crash-2' });
    await waitFor(() => seen.length === 3);
    await next.stop();
  });

  it('settling a claim of the old connection is LeaseLostError; the message comes back with the attempt counted', async () => {
    const queue = uniqueQueue('claim-loss');
    await broker.declareQueue(queue);
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 1 });
    const [held] = await broker.claim(queue);
    const lost = rabbit.logger.at('warn').filter((l) => /connection lost/.test(l.message)).length;
    await rabbit.vhost.closeConnections();
    await waitFor(() => rabbit.logger.at('warn').filter((l) => /connection lost/.test(l.message)).length > lost);
    await expect(broker.ack(held)).rejects.toMatchObject({ code: 'LEASE_LOST' });
    const [again] = await waitFor(() => broker.claim(queue));
    expect(again.attempt).toBe(2);
    await broker.ack(again);
  });

  it('a message whose last attempt died with its connection is dead-lettered on arrival, its handler not run', async () => {
    const queue = uniqueQueue('last-try');
    await broker.declareQueue(queue, { maxAttempts: 1 });
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 1, messageId: 'last-try-1' });
    const [held] = await broker.claim(queue);
    expect(held.attempt).toBe(1);
    const lost = rabbit.logger.at('warn').filter((l) => /connection lost/.test(l.message)).length;
    await rabbit.vhost.closeConnections();
    await waitFor(() => rabbit.logger.at('warn').filter((l) => /connection lost/.test(l.message)).length > lost);
    let ran = 0;
    const consumer = await broker.consume(queue, () => void ran++);
    await waitFor(async () => (await broker.queueStats(`${queue}.dlq`)).ready === 1);
    await consumer.stop();
    expect(ran).toBe(0);
    const [dead] = await broker.claim(`${queue}.dlq`);
    expect(dead.deaths[0]).toMatchObject({ queue, reason: 'delivery_limit', lastError: expect.stringMatching(/during its last attempt/) });
    await broker.ack(dead);
  });

  it('request-reply through direct reply-to: raw publishToQueue with the inbox address, the reply reaches the inbox', async () => {
    const server = await rabbit.broker();
    const client = await rabbit.broker();
    const requests = uniqueQueue('rpc');
    await server.declareQueue(requests);
    const worker = await server.consume<string>(requests, async (d) => {
      expect(d.headers['reply-to']).toMatch(/^amq\.rabbitmq\.reply-to\./);
      await server.publishToQueue(d.headers['reply-to'], { routingKey: 'reply', payload: `${d.payload} pong`, headers: { 'correlation-id': d.headers['correlation-id'] } });
    });
    const replies: Delivery[] = [];
    const inbox = await client.openReplyInbox((reply) => void replies.push(reply));
    await client.publishToQueue(requests, { routingKey: 'ask', payload: 'ping', headers: { 'reply-to': inbox.address, 'correlation-id': 'c-1' } });
    await waitFor(() => replies.length === 1);
    expect(replies[0]).toMatchObject({ payload: 'ping pong', routingKey: 'reply', headers: { 'correlation-id': 'c-1' } });
    // publish() takes the inbox's channel too.
    await server.bindQueue(requests, 'ask.#');
    await client.publish({ routingKey: 'ask.again', payload: 'ping2', headers: { 'reply-to': inbox.address, 'correlation-id': 'c-2' } });
    await waitFor(() => replies.length === 2);
    expect(replies[1]).toMatchObject({ payload: 'ping2 pong', headers: { 'correlation-id': 'c-2' } });
    await inbox.close();
    await worker.stop();
  });

  it('a process consuming a queue it did not declare warns and assumes the default options', async () => {
    const other = await rabbit.broker();
    const queue = uniqueQueue('foreign');
    await broker.declareQueue(queue);
    const seen: number[] = [];
    const consumer = await other.consume(queue, (d) => {
      seen.push(d.attempt);
      if (d.attempt === 1) throw new Error('once');
    });
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 1 });
    await waitFor(() => seen.length === 2, { timeoutMs: 5000 });
    await consumer.stop();
    expect(rabbit.logger.at('warn').some((l) => l.message.includes(`Queue ${queue} was not declared by this process`))).toBe(true);
    expect((await other.getQueue(queue)).options.maxAttempts).toBe(5);
  });
});
