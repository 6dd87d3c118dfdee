import type { RabbitMqBroker } from '../../src/drivers/rabbitmq/rabbitmq-broker.js';
import { waitFor } from '../../testing/index.js';
import { CliProcess, jsonOf, runCli } from '../cli/cli-process.js';
import { describeRabbitMq } from './rabbitmq-fixture.js';

// The real bin on the RabbitMQ driver: what AMQP lets it see (named queues, no bindings), publish, and tail.
describeRabbitMq('pg-messaging CLI', (rabbit) => {
  let broker: RabbitMqBroker;
  let env: Record<string, string | undefined>;
  const cli = (args: string[]) => runCli(args, { env });

  beforeAll(async () => {
    broker = await rabbit.broker({ connectionName: 'cli-spec' });
    await broker.declareQueue('shipments', { maxAttempts: 1 });
    await broker.bindQueue('shipments', 'shipment.*');
    env = { MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL: rabbit.vhost.url, DATABASE_URL: undefined };
  });

  it('lists named queues with their depth (AMQP cannot list them all), and says so when none is named', async () => {
    await broker.publish({ routingKey: 'shipment.sent', payload: { n: 1 } });
    await waitFor(async () => (await broker.queueStats('shipments')).ready === 1, { what: 'the message to land' });
    const listed = jsonOf<{ name: string; ready: number; dead: number | null }[]>(await cli(['--json', 'queues', 'shipments']));
    expect(listed).toEqual([expect.objectContaining({ name: 'shipments', ready: 1, dead: 0 })]);
    const table = await cli(['queues', 'shipments']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ shipments\s+│ 1\s+│ 0\s+│ 0\s+│ 0\s+│/);
    const unnamed = await cli(['queues']);
    expect(unnamed.code).toBe(0);
    expect(unnamed.stderr).toContain('This driver cannot list queues or read bindings');
    expect((await cli(['queue', 'show', 'not-declared'])).code).toBe(3);
    await broker.purge('shipments');
  });

  it('publishes through the exchange, and refuses the postgres-only --schema (exit 2)', async () => {
    const published = jsonOf<{ messageId: string }>(await cli(['--json', 'publish', 'shipment.packed', '{"box":3}', '--message-id', 'rmq-cli-1']));
    expect(published.messageId).toBe('rmq-cli-1');
    const [delivery] = await waitFor(() => broker.claim('shipments'), { what: 'the published message' });
    expect(delivery).toMatchObject({ messageId: 'rmq-cli-1', payload: { box: 3 } });
    await broker.ack(delivery);
    const schema = await cli(['--schema', 'x', 'queues', 'shipments']);
    expect(schema.code).toBe(2);
    expect(schema.stderr).toContain('--schema is for the postgres driver');
  });

  it('tails with the patterns given (it cannot read the bindings) while the real consumer still gets the message', async () => {
    expect((await cli(['tail', 'shipments'])).stderr).toContain('give them with --pattern');
    const handled: string[] = [];
    const consumer = await broker.consume('shipments', (delivery) => {
      handled.push(delivery.messageId);
    });
    try {
      const tail = new CliProcess(['--json', 'tail', 'shipments', '--pattern', 'shipment.*', '--count', '1'], { env });
      await tail.waitForStderr('Following shipments (shipment.*)');
      await broker.publish({ routingKey: 'shipment.sent', payload: { parcel: 'p-1' }, messageId: 'rmq-tail-1' });
      const result = await tail.exited;
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout.trim())).toMatchObject({ queue: 'shipments', messageId: 'rmq-tail-1', routingKey: 'shipment.sent', payload: { parcel: 'p-1' } });
      await waitFor(() => handled.includes('rmq-tail-1'), { what: 'the real consumer to get the tailed message' });
      const tailQueue = /through (cli-tail\.shipments\.[0-9a-f]{8})/.exec(result.stderr)?.[1];
      expect(tailQueue).toBeDefined();
      await expect(broker.queueStats(tailQueue!)).rejects.toMatchObject({ code: 'QUEUE_NOT_FOUND' });
    } finally {
      await consumer.stop();
    }
  });

  it('says the connection failed with exit 5', async () => {
    const down = await runCli(['queues', 'shipments'], { env: { ...env, RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1' } });
    expect(down.code).toBe(5);
    expect(down.stderr).toContain('Cannot connect to RabbitMQ');
  });
});
