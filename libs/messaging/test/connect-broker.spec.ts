import pg from 'pg';
import { Broker, connectBroker, InvalidArgumentError, messagingDriver, RABBITMQ_CAPABILITIES, RabbitMqBroker, type MessageBroker } from '../src/index.js';
import { reportDidNotRun, testDatabaseUrl, uniqueSchemaName } from '../testing/index.js';

describe('connectBroker', () => {
  const saved = process.env.MESSAGING_DRIVER;
  const schema = uniqueSchemaName('connect_broker');
  afterEach(() => {
    if (saved === undefined) delete process.env.MESSAGING_DRIVER;
    else process.env.MESSAGING_DRIVER = saved;
  });
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('connects the PostgreSQL broker by default, and when MESSAGING_DRIVER says postgres', async () => {
    for (const driver of [undefined, '', 'postgres']) {
      if (driver === undefined) delete process.env.MESSAGING_DRIVER;
      else process.env.MESSAGING_DRIVER = driver;
      const broker: MessageBroker = await connectBroker({ connectionString: testDatabaseUrl(), schema, poolSize: 1 });
      try {
        expect(broker).toBeInstanceOf(Broker);
        expect(broker.capabilities.delayedMessages).toBe('exact');
        await broker.ping();
      } finally {
        await broker.close();
      }
    }
  });

  it('refuses a MESSAGING_DRIVER or driver it does not know, naming the allowed ones', async () => {
    process.env.MESSAGING_DRIVER = 'kafka';
    await expect(connectBroker({ connectionString: testDatabaseUrl() })).rejects.toThrow(/MESSAGING_DRIVER=kafka.*postgres, rabbitmq/);
    await expect(connectBroker({ connectionString: testDatabaseUrl() })).rejects.toBeInstanceOf(InvalidArgumentError);
    delete process.env.MESSAGING_DRIVER;
    expect(() => messagingDriver({ driver: 'Postgres' })).toThrow(/driver "Postgres".*postgres, rabbitmq/);
  });

  it('the options name the driver over MESSAGING_DRIVER', () => {
    process.env.MESSAGING_DRIVER = 'rabbitmq';
    expect(messagingDriver({ driver: 'postgres' })).toBe('postgres');
    expect(messagingDriver({})).toBe('rabbitmq');
  });

  it("refuses an option the driver does not have (another driver's included)", async () => {
    const foreign = { connectionString: testDatabaseUrl(), url: 'amqp://localhost' } as Parameters<typeof connectBroker>[0];
    await expect(connectBroker(foreign)).rejects.toThrow(/Unknown field "url" of the postgres driver's options/);
    await expect(connectBroker({ driver: 'rabbitmq', connectionString: testDatabaseUrl() } as Parameters<typeof connectBroker>[0])).rejects.toThrow(
      /Unknown field "connectionString" of the rabbitmq driver's options/,
    );
  });

  if (process.env.RABBITMQ_URL) it('connects the RabbitMQ driver when the options or MESSAGING_DRIVER say rabbitmq', async () => {
    process.env.MESSAGING_DRIVER = 'rabbitmq';
    const broker = await connectBroker({ url: process.env.RABBITMQ_URL, exchange: 'connect-broker-spec' } as Parameters<typeof connectBroker>[0]);
    try {
      expect(broker).toBeInstanceOf(RabbitMqBroker);
      expect(broker.capabilities).toBe(RABBITMQ_CAPABILITIES);
      await broker.ping();
    } finally {
      await broker.close();
    }
  });

  it('refuses a RabbitMQ URL that is not amqp(s) before connecting', async () => {
    await expect(connectBroker({ driver: 'rabbitmq', url: 'http://localhost' })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

if (!process.env.RABBITMQ_URL) reportDidNotRun('connectBroker on RabbitMQ', 'RABBITMQ_URL is not set');
