import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Broker, MessagingModule } from './index.js';
import { testDatabaseUrl, uniqueSchemaName } from '../testing/index.js';
import pg from 'pg';

@Injectable()
class OrderEvents {
  constructor(readonly broker: Broker) {}
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
    const { broker } = app.get(OrderEvents);
    expect(broker).toBeInstanceOf(Broker);
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
});
