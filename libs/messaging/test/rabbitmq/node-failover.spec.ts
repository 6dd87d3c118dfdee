import amqp from 'amqplib';
import { RabbitMqBroker } from '../../src/drivers/rabbitmq/rabbitmq-broker.js';
import { resolveRabbitMqOptions, type RabbitMqBrokerOptions } from '../../src/drivers/rabbitmq/rabbitmq-options.js';
import { validateConnectBrokerOptions } from '../../src/connect-broker.js';
import { InvalidArgumentError, PublishNotConfirmedError } from '../../src/errors.js';
import { recordingLogger, waitFor } from '../../testing/index.js';
import { describeRabbitMq, uniqueQueue } from './rabbitmq-fixture.js';
import { startTcpRelay, type TcpRelay } from './tcp-relay.js';

// Failover over several node URLs without a cluster: two TCP relays in front of the one RabbitMQ stand for two
// nodes (a different host:port each), and a relay that refuses or resets is a node that is down.
describe('RabbitMQ node URLs (options only, no server)', () => {
  const saved = process.env.RABBITMQ_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.RABBITMQ_URL;
    else process.env.RABBITMQ_URL = saved;
  });

  it('takes url, urls, or RABBITMQ_URL with comma-separated URLs; checks every one', () => {
    expect(resolveRabbitMqOptions({ url: 'amqp://a:5672' }).urls).toEqual(['amqp://a:5672']);
    expect(resolveRabbitMqOptions({ urls: ['amqp://a', 'amqps://b:5671/v'] }).urls).toEqual(['amqp://a', 'amqps://b:5671/v']);
    process.env.RABBITMQ_URL = 'amqp://u:p@a:5672, amqp://u:p@b:5673 ,amqp://u:p@c:5674';
    expect(resolveRabbitMqOptions({}).urls).toEqual(['amqp://u:p@a:5672', 'amqp://u:p@b:5673', 'amqp://u:p@c:5674']);
    process.env.RABBITMQ_URL = '';
    const refused: RabbitMqBrokerOptions[] = [
      {},
      { urls: [] },
      { url: 'amqp://a', urls: ['amqp://b'] },
      { urls: ['amqp://a', 'http://b'] },
      { urls: ['amqp://a', 'not a url'] },
      { urls: 'amqp://a' as unknown as string[] },
      { urls: [42 as unknown as string] },
      { url: 'amqp://' },
    ];
    for (const options of refused) expect(() => resolveRabbitMqOptions(options)).toThrow(InvalidArgumentError);
    // The password is not repeated in the error.
    expect(() => resolveRabbitMqOptions({ urls: ['http://user:secret@b'] })).toThrow(/^(?!.*secret)/);
    expect(() => resolveRabbitMqOptions({ urls: ['amqp://a'], confirmTimeoutMs: 0 })).toThrow(InvalidArgumentError);
  });

  it('connectBroker knows urls and confirmTimeoutMs', () => {
    expect(validateConnectBrokerOptions({ driver: 'rabbitmq', urls: ['amqp://a', 'amqp://b'], confirmTimeoutMs: 5000 })).toBe('rabbitmq');
  });
});

describeRabbitMq('failover over several node URLs', (rabbit) => {
  const server = () => {
    const url = new URL(rabbit.vhost.url);
    return { host: url.hostname, port: Number(url.port || 5672) };
  };
  let first: TcpRelay;
  let second: TcpRelay;
  const brokers: RabbitMqBroker[] = [];
  const connect = async (options: RabbitMqBrokerOptions) => {
    const broker = await RabbitMqBroker.connect({ logger: rabbit.logger, reconnectBaseMs: 50, reconnectMaxMs: 500, ...options });
    brokers.push(broker);
    return broker;
  };
  beforeAll(async () => {
    first = await startTcpRelay(server());
    second = await startTcpRelay(server());
  });
  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.close()));
    await Promise.all([first?.close(), second?.close()]);
  });

  it('connects to the second URL when the first refuses, and moves on to the next node when it loses one', async () => {
    first.refuse();
    const logger = recordingLogger();
    const broker = await connect({ urls: [first.through(rabbit.vhost.url), second.through(rabbit.vhost.url)], logger });
    expect(broker.connectedNode).toBe(`127.0.0.1:${second.port}`);
    expect(logger.at('warn').map((l) => l.message)).toEqual([expect.stringMatching(new RegExp(`node 127.0.0.1:${first.port} did not answer.*trying 127.0.0.1:${second.port}`))]);
    expect(logger.lines.map((l) => l.message).join('\n')).not.toMatch(/guest/);

    const queue = uniqueQueue('failover');
    await broker.declareQueue(queue);
    const seen: string[] = [];
    const consumer = await broker.consume(queue, (d) => void seen.push(d.messageId));
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 1, messageId: 'before' });
    await waitFor(() => seen.length === 1);

    // The second node goes down; the first refuses once more, then answers: the backoff goes on across nodes.
    second.reset();
    await waitFor(() => logger.at('warn').some((l) => l.message.includes(`Reconnecting to RabbitMQ node 127.0.0.1:${first.port} failed`)), { what: 'a try on the first node' });
    first.pass();
    await waitFor(() => broker.connectedNode === `127.0.0.1:${first.port}`, { what: 'the reconnect to the first node' });
    expect(logger.at('warn').some((l) => l.message === `RabbitMQ connection lost (node 127.0.0.1:${second.port}); reconnecting, to 127.0.0.1:${first.port} first`)).toBe(true);
    expect(logger.at('log').some((l) => l.message === `RabbitMQ connection re-established (node 127.0.0.1:${first.port})`)).toBe(true);
    await waitFor(() => broker.publishToQueue(queue, { routingKey: 'k', payload: 2, messageId: 'after' }).then(() => true, () => false), { what: 'a publish through the first node' });
    await waitFor(() => seen.includes('after'), { what: 'the consumer resubscribed on the first node' });
    second.pass();
    await consumer.stop();
  });

  it('a confirm that does not come within confirmTimeoutMs is PublishNotConfirmedError; the next publish goes out on a new channel', async () => {
    first.pass();
    const broker = await connect({ urls: [first.through(rabbit.vhost.url)], confirmTimeoutMs: 300, connectionWaitMs: 5000 });
    const queue = uniqueQueue('no-confirm');
    await broker.declareQueue(queue);
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 1 });
    first.hold();
    const startedAt = Date.now();
    const error = await broker.publishToQueue(queue, { routingKey: 'k', payload: 2, messageId: 'unconfirmed-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishNotConfirmedError);
    expect(error).toMatchObject({ messageIds: ['unconfirmed-1'], message: expect.stringMatching(/no confirm within 300 ms/) });
    expect(Date.now() - startedAt).toBeLessThan(3000);
    first.pass();
    // Resent with the same id: the first copy had reached the queue too (the network held it, it did not lose it).
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 2, messageId: 'unconfirmed-1' });
    await waitFor(async () => (await broker.queueStats(queue)).ready === 3, { what: 'both copies and the first message' });
  });

  it('after a nack the confirm channel is replaced: the next publish opens a new one', async () => {
    const broker = await connect({ urls: [rabbit.vhost.url] });
    const queue = uniqueQueue('full');
    const raw = await amqp.connect(rabbit.vhost.url);
    const channel = await raw.createChannel();
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic', 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 1 });
    // The driver's own confirm channel, read from outside: nothing else tells one channel from the next.
    const confirmChannel = () => (broker as unknown as { main: { current: { channel: object } | null } }).main.current?.channel;
    const before = confirmChannel();
    expect(before).toBeDefined();
    await expect(broker.publishToQueue(queue, { routingKey: 'k', payload: 2, messageId: 'refused-1' })).rejects.toBeInstanceOf(PublishNotConfirmedError);
    await channel.purgeQueue(queue);
    await raw.close();
    await broker.publishToQueue(queue, { routingKey: 'k', payload: 3 });
    expect(confirmChannel()).toBeDefined();
    expect(confirmChannel()).not.toBe(before);
  });
});
