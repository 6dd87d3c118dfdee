import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type pg from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { CONSUMER_DATA_SOURCE, Inbox, InvalidArgumentError, ServiceDatabaseModule, SERVICE_DATABASE_DEFAULTS } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';

const poolOf = (dataSource: DataSource) => (dataSource.driver as unknown as { master: pg.Pool }).master;

describe('ServiceDatabaseModule pools', () => {
  let database: TestDatabase;
  beforeAll(async () => (database = await createTestDatabase('service_pools')));
  afterAll(() => database.drop());

  it('gives HTTP and the consumers (the Inbox) DataSources of their own, sized by the options', async () => {
    @Module({ imports: [ServiceDatabaseModule.forRoot({ url: database.url, entities: [], migrations: [], relay: false, poolSize: 3, consumerPoolSize: 4 })] })
    class ServiceModule {}
    const app = await NestFactory.createApplicationContext(ServiceModule, { logger: false });
    try {
      const http = app.get(DataSource);
      const consumers = app.get<DataSource>(getDataSourceToken(CONSUMER_DATA_SOURCE));
      expect(consumers).not.toBe(http);
      expect([poolOf(http).options.max, poolOf(consumers).options.max]).toEqual([3, 4]);
      // The inbox's transactions run on the consumers' pool.
      let used: unknown;
      await app.get<Inbox<EntityManager>>(Inbox).process({ consumer: 'pools', messageId: 'm-1' }, async (manager) => (used = manager.connection));
      expect(used).toBe(consumers);
    } finally {
      await app.close();
    }
  });

  it('has documented defaults and refuses a size that is not a positive integer', () => {
    expect(SERVICE_DATABASE_DEFAULTS).toEqual({ poolSize: 10, consumerPoolSize: 10, relayPoolSize: 2 });
    expect(() => ServiceDatabaseModule.forRoot({ url: database.url, entities: [], migrations: [], consumerPoolSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => ServiceDatabaseModule.forRoot({ url: database.url, entities: [], migrations: [], relayPoolSize: 1.5 })).toThrow(InvalidArgumentError);
  });
});
