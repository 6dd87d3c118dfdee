import 'reflect-metadata';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Broker, MESSAGE_BROKER, MessagingModule, type MessageBroker } from './index.js';
import { testDatabaseUrl, uniqueSchemaName } from '../testing/index.js';
import pg from 'pg';

@Injectable()
class OrderEvents {
  constructor(
    readonly broker: Broker,
    @Inject(MESSAGE_BROKER) readonly messageBroker: MessageBroker,
  ) {}
}

describe('MessagingModule in a Nest application context', () => {
  const schema = uniqueSchemaName('nest_smoke');
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('boots, injects a connected broker that publishes and consumes, and closes it on shutdown', async () => {
    @Module({
      imports: [MessagingModule.forRootAsync({ useFactory: () => ({ connectionString: testDatabaseUrl(), schema, poolSize: 2 }) })],
      providers: [OrderEvents],
    })
    class AppModule {}

    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const { broker, messageBroker } = app.get(OrderEvents);
    expect(broker).toBeInstanceOf(Broker);
    expect(messageBroker).toBe(broker);
    await broker.declareQueue('smoke');
    await broker.bindQueue('smoke', 'smoke.#');
    const received = new Promise<unknown>((resolve) => void broker.consume('smoke', (d) => resolve(d.payload)));
    await broker.publish({ routingKey: 'smoke.test', payload: { hello: 'nest' } });
    expect(await received).toEqual({ hello: 'nest' });
    await app.close();
    await expect(broker.publish({ routingKey: 'smoke.test', payload: 1 })).rejects.toThrow('closed');
  });

  it('fails the boot on invalid options', () => {
    expect(() => MessagingModule.forRoot({ connectionString: testDatabaseUrl(), schema: 'Not Valid' })).toThrow(/schema name/);
  });

  it('fails the boot on an option no driver has, or one of the other driver', () => {
    const options = { connectionString: testDatabaseUrl(), exchange: 'events' } as Parameters<typeof MessagingModule.forRoot>[0];
    expect(() => MessagingModule.forRoot(options)).toThrow(/Unknown field "exchange" of the postgres driver's options/);
    expect(() => MessagingModule.forRoot({ connectionString: testDatabaseUrl(), housekeeping: false, health: { timeoutMs: 500 } })).not.toThrow();
  });

  it('fails the boot on a MESSAGING_DRIVER it does not know', () => {
    const saved = process.env.MESSAGING_DRIVER;
    process.env.MESSAGING_DRIVER = 'sqs';
    try {
      expect(() => MessagingModule.forRoot({ connectionString: testDatabaseUrl() })).toThrow(/MESSAGING_DRIVER=sqs.*postgres, rabbitmq/);
    } finally {
      if (saved === undefined) delete process.env.MESSAGING_DRIVER;
      else process.env.MESSAGING_DRIVER = saved;
    }
  });
});
